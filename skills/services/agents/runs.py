"""Agent runs: what creating and cancelling one means for an agent.

The lifecycle itself (insert and publish on commit, claim, heartbeat, finish under the claim
token, cancel, sweep) is the one invocations use, `skills.services.lifecycle`; this module
keeps the agent's own checks (the agent exists and is active, the goal is usable).
"""

from __future__ import annotations

import uuid
from typing import Any

from core.errors import ErrorCode
from skills.choices import Source
from skills.models import Agent, AgentRun
from skills.services import lifecycle
from skills.services.errors import InputError, ResolutionError
from skills.services.run_access import wait_for_run

GOAL_MAX_CHARS = 20_000


def get_agent(agent_key: str) -> Agent:
    agent = Agent.objects.filter(key=agent_key).first()
    if agent is None:
        raise InputError(f"Unknown agent {agent_key!r}; see the Agents page for the keys.")
    if not agent.is_active:
        raise ResolutionError(
            ErrorCode.AGENT_INACTIVE, f"Agent {agent.key} is inactive; activate it."
        )
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
    run = AgentRun(
        agent=agent, goal=goal, source=source, requested_by=user, provider=agent.provider
    )
    lifecycle.insert(run, publish=publish)
    return run


def cancel_agent_run(run_id: uuid.UUID | str) -> bool:
    """Cancel a queued or running run; False if it had already finished.

    No rights check: a door acting for a user calls `run_access.cancel_run`, which has one.

    A running loop notices at its next step and stops; its result is discarded (see
    `lifecycle.cancel`).
    """
    return lifecycle.cancel(AgentRun, run_id)


def wait_for_agent_run(run_id: uuid.UUID | str, timeout: float) -> AgentRun:
    """Read the run until it is finished or `timeout` seconds pass (it never runs it)."""
    return wait_for_run(AgentRun, run_id, timeout)
