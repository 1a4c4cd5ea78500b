from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The provider simulator's commands (`run_sandbox`, `seed_demo`).

    A development and test tool beside the product: no product module imports it.
    """

    name = "sandbox"
    verbose_name = "Provider sandbox"
