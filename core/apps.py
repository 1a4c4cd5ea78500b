from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: shared bases every app may import; it imports no app."""

    name = "core"
    verbose_name = "Core"
