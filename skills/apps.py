from __future__ import annotations

from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "skills"
    verbose_name = "Skills and agents"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, not only in workers: services
        # publish tasks by name (skills.services.dispatch), never by importing them.
        from skills import tasks  # noqa: F401
