"""Publishing invocation ids to the broker (the only thing the broker ever carries)."""

from __future__ import annotations

import logging
import uuid

logger = logging.getLogger(__name__)


def publish(invocation_id: uuid.UUID | str) -> bool:
    """Send the task message; a broker outage is logged, not raised.

    The row is already committed as `queued`, so the sweeper publishes it again later: a
    failed publish delays an invocation, it never loses it.
    """
    from ..tasks import run_invocation_task

    try:
        run_invocation_task.apply_async(args=[str(invocation_id)], retry=False)
    except Exception:
        logger.exception("could not publish invocation %s; the sweeper will retry", invocation_id)
        return False
    return True
