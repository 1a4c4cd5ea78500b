"""`manage.py check_providers`: health-check every active connection now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from providers.services import check_all_active


class Command(BaseCommand):
    help = "Health-check every active provider connection; exits non-zero if any failed."

    def handle(self, *args: Any, **options: Any) -> None:
        results = check_all_active()
        if not results:
            self.stdout.write("No active connections.")
            return
        failed = 0
        for connection, check in results:
            mark = "ok  " if check.ok else "FAIL"
            failed += not check.ok
            self.stdout.write(
                f"{mark} {connection.name} ({connection.provider.kind}) "
                f"{check.latency_ms or 0} ms — {check.message}"
            )
        if failed:
            raise CommandError(f"{failed} of {len(results)} connection(s) failed their check.")
