from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from monitoring.views import metrics

urlpatterns = [
    # Before the admin's own URLs, so its log-in is the locked-out one (core.lockout).
    path("django-admin/", include("console.admin_urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("metrics", metrics, name="metrics"),
    path("", include("console.urls")),
]
