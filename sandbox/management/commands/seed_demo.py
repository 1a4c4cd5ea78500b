from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from console.services.config_io import ConfigDocumentError
from sandbox.demo import DEFAULT_SANDBOX_URL, DemoSetupError, seed_demo


class Command(BaseCommand):
    help = "Seed the catalogue, one demo user per role and sandbox connections with BYOK on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox-url",
            default=DEFAULT_SANDBOX_URL,
            help=f"Base URL of the provider sandbox (default {DEFAULT_SANDBOX_URL}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = seed_demo(options["sandbox_url"])
        except DemoSetupError as exc:
            raise CommandError(str(exc)) from None
        except ConfigDocumentError as exc:
            raise CommandError("; ".join(exc.errors)) from None
        self.stdout.write(f"Catalogue: {result.catalogue}.")
        self.stdout.write(f"Sandbox configuration: {result.configuration}.")
        for username, password in result.created_users.items():
            # Shown once: the password is not stored anywhere in clear.
            self.stdout.write(f"Created user {username} with password {password}")
        for username in result.existing_users:
            self.stdout.write(f"User {username} exists; its password is unchanged.")
