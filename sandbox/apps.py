from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The provider simulator's commands (`run_sandbox`, `seed_demo`).

    A development and test tool beside the product: no product module imports it. It looks
    in once: its customer demo credentials are handed to `providers.devhints`, which shows
    them only with DEBUG on and only beside connections on the configured sandbox origin.
    """

    name = "sandbox"
    verbose_name = "Provider sandbox"

    def ready(self) -> None:
        from providers import devhints
        from sandbox.hints import customer_credentials

        devhints.register(customer_credentials)
