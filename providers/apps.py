from __future__ import annotations

from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Providers"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, not only in workers: services
        # publish tasks by name (skills.services.dispatch), never by importing them.
        from providers import checks, signals, tasks  # noqa: F401
