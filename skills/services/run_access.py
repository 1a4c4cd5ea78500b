"""What a caller does with a run that already exists, whatever its kind: wait for it.

Waiting only reads the row: the run itself is a Celery worker's, so a web request that waits
holds a sleeping thread for a bounded time and never makes a provider call.
"""

from __future__ import annotations

import time
import uuid
from typing import TypeVar

from skills.choices import TERMINAL_STATUSES
from skills.models.runs import Run

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
