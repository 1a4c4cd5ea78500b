"""/api/v1/: every app's router, the OpenAPI schema and its offline docs."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("auditlog.api.urls")),
    path("", include("providers.api.urls")),
    path("", include("skills.api.urls")),
    path("", include("console.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
