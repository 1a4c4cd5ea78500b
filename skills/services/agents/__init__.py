"""AI agent runs: create (row first, publish on commit), run (claim once, loop), cancel.

Recovery is the sweep every kind of run shares (`skills.services.sweeper`).
"""

from __future__ import annotations

from typing import Any

from skills.choices import InvocationStatus, Source
from skills.models import AgentRun
from skills.services.agents.runner import run_agent
from skills.services.agents.runs import cancel_agent_run, create_agent_run, wait_for_agent_run


def run_agent_now(
    agent_key: str, goal: str, *, user: Any = None, source: str = Source.CLI
) -> AgentRun:
    """Create and run an agent run in this process (the `run_agent` command's path)."""
    run = create_agent_run(agent_key, goal, user=user, source=source, publish=False)
    if run.status == InvocationStatus.QUEUED:
        run_agent(run.pk)
    run.refresh_from_db()
    return run


__all__ = [
    "cancel_agent_run",
    "create_agent_run",
    "run_agent",
    "run_agent_now",
    "wait_for_agent_run",
]
