from __future__ import annotations

from django.apps import AppConfig


class AuditlogConfig(AppConfig):
    name = "auditlog"
    verbose_name = "Logs and audit"

    def ready(self) -> None:
        # Every configuration change is audited through model signals, wired once here.
        from auditlog import signals

        signals.connect()
