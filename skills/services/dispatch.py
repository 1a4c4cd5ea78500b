"""Publishing run ids to the broker (the only thing the broker ever carries).

Tasks are looked up by name in the Celery app's registry, so services never import the
`tasks` modules that call them (imports run one way: tasks → services).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

RUN_INVOCATION = "skills.run_invocation"
RUN_AGENT_RUN = "skills.run_agent_run"


def publish_task(task_name: str, run_id: uuid.UUID | str) -> bool:
    """Send the task message; a broker outage is logged, not raised.

    The row is already committed as `queued`, so the sweeper publishes it again later: a
    failed publish delays a run, it never loses it.
    """
    options: dict[str, Any] = {"queue": queue} if (queue := task_queue()) else {}
    try:
        task = current_app.tasks[task_name]
        task.apply_async(args=(str(run_id),), retry=False, **options)
    except Exception:
        logger.exception("could not publish %s %s; the sweeper will retry", task_name, run_id)
        return False
    return True


def task_queue() -> str:
    """SKILLS_TASK_QUEUE: a dedicated queue for skill runs, which workers then consume with
    `-Q`; blank means Celery's default queue."""
    return str(settings.SKILLS_TASK_QUEUE)
