"""Recovery of invocations whose message was lost or whose worker died.

Runs every 30 s (beat). A queued invocation whose message was published longer ago than
SKILLS_REQUEUE_AFTER_SECONDS, or a running one whose worker stopped beating for
SKILLS_STALE_AFTER_SECONDS, is published again; the claim makes the extra message harmless
if the first one was only slow. After SKILLS_MAX_ENQUEUES publications it is failed instead,
so a poisoned invocation cannot circulate for ever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services import dispatch
from skills.services.config import tunable, tunable_int

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    requeued: int = 0
    failed: int = 0


def sweep() -> SweepReport:
    return sweep_rows(
        Invocation,
        dispatch.publish,
        stale_seconds=tunable("SKILLS_STALE_AFTER_SECONDS"),
        label="sweeper",
    )


def sweep_rows(
    model: type[models.Model],
    publish: Callable[[Any], object],
    *,
    stale_seconds: float,
    label: str,
) -> SweepReport:
    """Republish or fail the stuck rows of `model` (invocations, agent runs: same lifecycle)."""
    now = timezone.now()
    requeue_before = now - timedelta(seconds=tunable("SKILLS_REQUEUE_AFTER_SECONDS"))
    stale_before = now - timedelta(seconds=stale_seconds)
    max_enqueues = tunable_int("SKILLS_MAX_ENQUEUES")
    stuck = Q(status=InvocationStatus.QUEUED) & (
        Q(enqueued_at__lt=requeue_before)
        | Q(enqueued_at__isnull=True, created_at__lt=requeue_before)
    ) | Q(status=InvocationStatus.RUNNING, heartbeat_at__lt=stale_before) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before)
    )
    rows = list(
        model.objects.filter(stuck)
        .order_by("created_at")
        .values_list("pk", "status", "enqueue_count", "enqueued_at", "heartbeat_at")[
            : tunable_int("SKILLS_SWEEP_BATCH")
        ]
    )
    report = SweepReport()
    for pk, status, count, enqueued_at, heartbeat_at in rows:
        # The same conditions again, on this row only: a worker may have moved it meanwhile.
        same = model.objects.filter(
            pk=pk, status=status, enqueued_at=enqueued_at, heartbeat_at=heartbeat_at
        )
        if count >= max_enqueues:
            lost = "worker stopped" if status == InvocationStatus.RUNNING else "no worker took it"
            if same.update(
                status=InvocationStatus.FAILED,
                finished_at=now,
                error_code="abandoned",
                error_message=f"Gave up after publishing it {count} times ({lost}); check that "
                "the Celery worker is running and healthy.",
            ):
                report.failed += 1
            continue
        with transaction.atomic():
            if same.update(enqueued_at=now, enqueue_count=F("enqueue_count") + 1):
                transaction.on_commit(lambda pk=pk: publish(pk))
                report.requeued += 1
    if report.requeued or report.failed:
        logger.warning("%s: %s re-published, %s failed", label, report.requeued, report.failed)
    return report
