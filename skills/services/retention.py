"""Retention: invocations, agent runs and outbound log rows older than BYOK_RETENTION_DAYS.

Deletes by primary-key chunks so each statement is short and locks little, however many
millions of rows are due. Daily usage aggregates are kept: charts outlive raw rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from providers.outbound.models import OutboundRequest
from skills.models import AgentRun, Invocation
from skills.services.usage import roll_up_usage

BATCH = 2000


@dataclass
class PurgeReport:
    outbound_requests: int = 0
    invocations: int = 0
    agent_runs: int = 0


def _purge(model: type[models.Model], cutoff: datetime, batch: int, keep: Q | None = None) -> int:
    total = 0
    due = model._default_manager.filter(created_at__lt=cutoff)
    if keep is not None:
        due = due.exclude(keep)
    while True:
        pks = list(due.order_by().values_list("pk", flat=True)[:batch])
        if not pks:
            return total
        model._default_manager.filter(pk__in=pks).delete()
        total += len(pks)


def purge_old_records(days: int | None = None, batch: int = BATCH) -> PurgeReport:
    """Delete what is older than `days` (default BYOK_RETENTION_DAYS); outbound rows first,
    so deleting an invocation has no log rows left to un-link. Usage is rolled up first, and
    an invocation whose usage is still pending is kept until a later purge."""
    days = settings.BYOK_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    roll_up_usage()
    return PurgeReport(
        outbound_requests=_purge(OutboundRequest, cutoff, batch),
        invocations=_purge(Invocation, cutoff, batch, keep=Q(usage_pending=True)),
        agent_runs=_purge(AgentRun, cutoff, batch),
    )
