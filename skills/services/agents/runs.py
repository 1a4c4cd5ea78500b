"""The agent run lifecycle: queued → running → succeeded | failed | cancelled.

The same rules as invocations: the row is written first and its id published only once the
transaction commits; a worker claims it with a conditional UPDATE that must change exactly one
row, and finishes it with another guarded by its claim token, so a redelivered message, a
sweeper re-publish or a second worker never runs a finished run again.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from skills.choices import InvocationStatus, Source
from skills.models import Agent, AgentRun
from skills.services import dispatch
from skills.services.config import tunable
from skills.services.errors import InputError, ResolutionError

logger = logging.getLogger(__name__)

GOAL_MAX_CHARS = 20_000


def get_agent(agent_key: str) -> Agent:
    agent = Agent.objects.filter(key=agent_key).first()
    if agent is None:
        raise InputError(f"Unknown agent {agent_key!r}; see the Agents page for the keys.")
    if not agent.is_active:
        raise ResolutionError("agent_inactive", f"Agent {agent.key} is inactive; activate it.")
    return agent


def clean_goal(goal: Any) -> str:
    if not isinstance(goal, str) or not goal.strip():
        raise InputError("The goal is empty; say what the agent should do.")
    if len(goal) > GOAL_MAX_CHARS:
        raise InputError(f"The goal is longer than {GOAL_MAX_CHARS} characters.")
    return goal.strip()


def create_agent_run(
    agent_key: str,
    goal: str,
    *,
    user: Any = None,
    source: str = Source.API,
    publish: bool = True,
) -> AgentRun:
    """Validate and write a queued run; publish its task after commit."""
    agent = get_agent(agent_key)
    goal = clean_goal(goal)
    user = user if getattr(user, "pk", None) else None
    now = timezone.now()
    with transaction.atomic():
        run = AgentRun.objects.create(
            agent=agent,
            goal=goal,
            source=source,
            requested_by=user,
            provider=agent.provider,
            enqueued_at=now if publish else None,
            enqueue_count=1 if publish else 0,
        )
        if publish:
            pk = run.pk
            transaction.on_commit(lambda: dispatch.publish_agent_run(pk))
    return run


def stale_after() -> float:
    """Seconds without a step after which a running run counts as abandoned.

    A run beats once per step, and one model step may legitimately retry until the call
    deadline, so the deadline is added to the invocations' staleness.
    """
    return tunable("SKILLS_STALE_AFTER_SECONDS") + tunable("SKILLS_DEADLINE_SECONDS")


def claim(run_id: uuid.UUID | str) -> str | None:
    """Take the run if it is queued, or running under a worker that stopped stepping."""
    now = timezone.now()
    stale = now - timedelta(seconds=stale_after())
    token = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"
    claimable = Q(status=InvocationStatus.QUEUED) | Q(
        status=InvocationStatus.RUNNING, heartbeat_at__lt=stale
    )
    changed = (
        AgentRun.objects.filter(pk=run_id)
        .filter(claimable)
        .update(status=InvocationStatus.RUNNING, claimed_by=token, started_at=now, heartbeat_at=now)
    )
    return token if changed == 1 else None


def still_owned(run_id: uuid.UUID, token: str) -> bool:
    """Beat, and say whether this run is still ours (not cancelled, not taken over)."""
    return (
        AgentRun.objects.filter(
            pk=run_id, status=InvocationStatus.RUNNING, claimed_by=token
        ).update(heartbeat_at=timezone.now())
        == 1
    )


def cancel_agent_run(run_id: uuid.UUID | str) -> bool:
    """Cancel a queued or running run; False if it had already finished.

    A running loop notices at its next step and stops; its result is discarded.
    """
    changed = AgentRun.objects.filter(
        pk=run_id, status__in=[InvocationStatus.QUEUED, InvocationStatus.RUNNING]
    ).update(
        status=InvocationStatus.CANCELLED,
        finished_at=timezone.now(),
        error_code="cancelled",
        error_message="Cancelled before it finished.",
    )
    return changed == 1


def finish(run: AgentRun, token: str, fields: dict[str, Any]) -> bool:
    """Write the outcome in one UPDATE guarded by the claim token; True if it was ours."""
    now = timezone.now()
    fields = dict(fields)
    fields["error_message"] = str(fields.get("error_message", ""))[:2000]
    changed = AgentRun.objects.filter(
        pk=run.pk, status=InvocationStatus.RUNNING, claimed_by=token
    ).update(finished_at=now, heartbeat_at=now, **fields)
    if changed != 1:
        logger.info("agent run %s finished elsewhere or was cancelled", run.pk)
    return changed == 1
