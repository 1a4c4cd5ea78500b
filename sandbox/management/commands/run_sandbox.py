"""``manage.py run_sandbox [--port 8900] [--config FILE] [--tls]``: start the provider sandbox.

Thin wrapper: the sandbox itself does not depend on Django.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sandbox.__main__ import add_arguments, run


class Command(BaseCommand):
    help = "Start the provider sandbox (Azure OpenAI, Bedrock, Gemini, OpenAI-compatible)."

    def add_arguments(self, parser) -> None:
        add_arguments(parser)

    def handle(self, *args, **options) -> None:
        run(
            options["host"],
            options["port"],
            options["config"],
            options["tls"],
            announce=lambda line: self.stdout.write(line),
        )
