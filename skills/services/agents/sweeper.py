"""Recovery of agent runs whose message was lost or whose worker died (beat, with invocations).

A queued run published longer ago than SKILLS_REQUEUE_AFTER_SECONDS, or a running one that
has not stepped for `runs.stale_after()`, is published again; the claim makes an extra message
harmless. After SKILLS_MAX_ENQUEUES publications it is failed instead.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ...choices import InvocationStatus
from ...models import AgentRun
from ..config import tunable, tunable_int
from ..sweeper import SweepReport
from .runs import publish_run, stale_after

logger = logging.getLogger(__name__)


def sweep_agent_runs() -> SweepReport:
    now = timezone.now()
    requeue_before = now - timedelta(seconds=tunable("SKILLS_REQUEUE_AFTER_SECONDS"))
    stale_before = now - timedelta(seconds=stale_after())
    max_enqueues = tunable_int("SKILLS_MAX_ENQUEUES")
    stuck = Q(status=InvocationStatus.QUEUED) & (
        Q(enqueued_at__lt=requeue_before)
        | Q(enqueued_at__isnull=True, created_at__lt=requeue_before)
    ) | Q(status=InvocationStatus.RUNNING, heartbeat_at__lt=stale_before) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before)
    )
    rows = list(
        AgentRun.objects.filter(stuck)
        .order_by("created_at")
        .values_list("pk", "status", "enqueue_count", "enqueued_at", "heartbeat_at")[
            : tunable_int("SKILLS_SWEEP_BATCH")
        ]
    )
    report = SweepReport()
    for pk, status, count, enqueued_at, heartbeat_at in rows:
        # The same conditions again, on this row only: a worker may have moved it meanwhile.
        same = AgentRun.objects.filter(
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
                transaction.on_commit(lambda pk=pk: publish_run(pk))
                report.requeued += 1
    if report.requeued or report.failed:
        logger.warning("agent sweeper: %s re-published, %s failed", report.requeued, report.failed)
    return report
