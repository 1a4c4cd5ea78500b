from __future__ import annotations

from django.apps import AppConfig


class ByokAdminConfig(AppConfig):
    name = "byok_admin"
    verbose_name = "BYOK console"
