from __future__ import annotations

from rest_framework.routers import SimpleRouter

from .views import AuditEventViewSet, OutboundRequestViewSet

router = SimpleRouter()
router.register("outbound-requests", OutboundRequestViewSet, basename="outbound-request")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = router.urls
