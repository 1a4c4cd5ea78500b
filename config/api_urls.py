"""/api/v1/: every app's router, the OpenAPI schema and its offline docs.

The schema and the docs describe every endpoint and field, so they are for signed-in users
only: the schema answers 401 to an anonymous client, the docs page sends a browser to the
login page. The docs page loads its script as a file (no inline code, for the
Content-Security-Policy in `core.headers`).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI for signed-in users; anyone else is sent to the login page."""

    permission_classes = [IsAuthenticated]
    template_name = "api/docs.html"

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())  # type: ignore[return-value]
        return super().handle_exception(exc)


urlpatterns = [
    path("", include("auditlog.api.urls")),
    path("", include("providers.api.urls")),
    path("", include("skills.api.urls")),
    path("", include("monitoring.api.urls")),
    path("", include("console.api.urls")),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
