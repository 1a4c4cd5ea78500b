"""Publishing invocation ids to the broker (the only thing the broker ever carries)."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings

logger = logging.getLogger(__name__)


def publish(invocation_id: uuid.UUID | str) -> bool:
    """Send the task message; a broker outage is logged, not raised.

    The row is already committed as `queued`, so the sweeper publishes it again later: a
    failed publish delays an invocation, it never loses it.
    """
    from ..tasks import run_invocation_task

    options = {"queue": queue} if (queue := task_queue()) else {}
    try:
        run_invocation_task.apply_async(args=[str(invocation_id)], retry=False, **options)
    except Exception:
        logger.exception("could not publish invocation %s; the sweeper will retry", invocation_id)
        return False
    return True


def task_queue() -> str:
    """SKILLS_TASK_QUEUE: a dedicated queue for skill runs, which workers then consume with
    `-Q`; blank means Celery's default queue."""
    return settings.SKILLS_TASK_QUEUE
