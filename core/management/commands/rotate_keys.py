"""`manage.py rotate_keys`: re-encrypt every secret under the first BYOK_ENCRYPTION_KEYS key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from core.audit import AuditSource, audit_context
from core.keys import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the first key of BYOK_ENCRYPTION_KEYS; "
        "exits non-zero if any secret cannot be decrypted with the configured keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with audit_context(source=AuditSource.CLI):
                report = rotate_all()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Rotated {report.rotated}, already current {report.already_current}, "
            f"failed {len(report.failed)}."
        )
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} secret(s) could not be decrypted with any key in "
                f"BYOK_ENCRYPTION_KEYS: {', '.join(report.failed)}. Put back the key that "
                "encrypted them, or enter those secrets again."
            )
