from __future__ import annotations

from django.urls import path

from console.api.views import ConfigExportView, ConfigImportView

urlpatterns = [
    path("config/export/", ConfigExportView.as_view(), name="api-config-export"),
    path("config/import/", ConfigImportView.as_view(), name="api-config-import"),
]
