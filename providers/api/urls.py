from __future__ import annotations

from rest_framework.routers import SimpleRouter

from providers.api import outbound, views

router = SimpleRouter()
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("connections", views.ConnectionViewSet, basename="connection")
router.register("model-aliases", views.ModelAliasViewSet, basename="model-alias")
router.register("alias-mappings", views.AliasMappingViewSet, basename="alias-mapping")
router.register("outbound-requests", outbound.OutboundRequestViewSet, basename="outbound-request")
router.register("health-checks", views.HealthCheckViewSet, basename="health-check")
urlpatterns = router.urls
