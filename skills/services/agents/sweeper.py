"""Recovery of agent runs whose message was lost or whose worker died (beat, with invocations).

A queued run published longer ago than SKILLS_REQUEUE_AFTER_SECONDS, or a running one that
has not stepped for `runs.stale_after()`, is published again; the claim makes an extra message
harmless. After SKILLS_MAX_ENQUEUES publications it is failed instead.
"""

from __future__ import annotations

from ...models import AgentRun
from ..sweeper import SweepReport, sweep_rows
from .runs import publish_run, stale_after


def sweep_agent_runs() -> SweepReport:
    return sweep_rows(AgentRun, publish_run, stale_seconds=stale_after(), label="agent sweeper")
