from __future__ import annotations

from rest_framework.routers import SimpleRouter

from monitoring.api import views

router = SimpleRouter()
router.register("alert-rules", views.AlertRuleViewSet, basename="alert-rule")
router.register("alert-channels", views.ChannelViewSet, basename="alert-channel")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("notifications", views.NotificationViewSet, basename="notification")
urlpatterns = router.urls
