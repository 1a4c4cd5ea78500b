from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        # Register the evaluation task in every process (beat publishes it by name).
        from monitoring import tasks  # noqa: F401
