"""What a caller does with a run that already exists, whatever its kind: wait for it and
cancel it.

Waiting only reads the row: the run itself is a Celery worker's, so a web request that waits
holds a sleeping thread for a bounded time and never makes a provider call. Cancelling is
the one rule every door applies (API, console): a run may be cancelled by the user who
requested it, if that user may still run skills, or by anyone who may configure the console
(administrators, superusers). A run nobody requested (a command's, a schedule's) is an
administrator's to cancel.
"""

from __future__ import annotations

import enum
import time
import uuid
from typing import Any, TypeVar

from core.roles import has_capability
from skills.choices import TERMINAL_STATUSES
from skills.models.runs import Run
from skills.services import lifecycle

R = TypeVar("R", bound=Run)

FIRST_POLL_SECONDS = 0.05
LONGEST_POLL_SECONDS = 0.5


def wait_for_run(
    model: type[R], run_id: uuid.UUID | str, timeout: float, poll: float = FIRST_POLL_SECONDS
) -> R:
    """Read the run until it is finished or `timeout` seconds pass; returns the last read.

    Polls start often (a run against a fast provider ends in milliseconds) and slow down to
    LONGEST_POLL_SECONDS, so a long wait costs a few reads a second.
    """
    end = time.monotonic() + timeout
    while True:
        run = model._default_manager.get(pk=run_id)
        if run.status in TERMINAL_STATUSES or time.monotonic() >= end:
            return run
        time.sleep(min(poll, max(0.0, end - time.monotonic())))
        poll = min(poll * 1.5, LONGEST_POLL_SECONDS)


class CancelOutcome(enum.Enum):
    CANCELLED = "cancelled"
    FINISHED = "finished"  # it had already finished; nothing changed
    FORBIDDEN = "forbidden"  # the caller may not cancel it; nothing changed


def may_cancel(user: Any, run: Run) -> bool:
    """The requester (while allowed to run) or an administrator; nobody else."""
    if has_capability(user, "configure"):
        return True
    return (
        run.requested_by_id is not None
        and run.requested_by_id == getattr(user, "pk", None)
        and has_capability(user, "run")
    )


def cancel_run(user: Any, run: Run) -> CancelOutcome:
    """Cancel a queued or running run on behalf of `user`, if `may_cancel` allows it."""
    if not may_cancel(user, run):
        return CancelOutcome.FORBIDDEN
    if not lifecycle.cancel(type(run), run.pk):
        return CancelOutcome.FINISHED
    return CancelOutcome.CANCELLED
