from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from console.services.catalog import seed_catalog
from core.audit import AuditSource, audit_context


class Command(BaseCommand):
    help = "Create or refresh the out-of-box catalogue (idempotent: a re-run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(actor=None, source=AuditSource.SYSTEM):
            tally = seed_catalog()
        self.stdout.write(f"Catalogue: {tally.summary()}.")
