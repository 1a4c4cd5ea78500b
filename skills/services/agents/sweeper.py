"""Recovery of agent runs whose message was lost or whose worker died (beat, with invocations).

A queued run published longer ago than SKILLS_REQUEUE_AFTER_SECONDS, or a running one that
has not stepped for `runs.stale_after()`, is published again; the claim makes an extra message
harmless. After SKILLS_MAX_ENQUEUES publications it is failed instead.
"""

from __future__ import annotations

from skills.models import AgentRun
from skills.services import dispatch
from skills.services.agents.runs import stale_after
from skills.services.sweeper import SweepReport, sweep_rows


def sweep_agent_runs() -> SweepReport:
    return sweep_rows(
        AgentRun, dispatch.publish_agent_run, stale_seconds=stale_after(), label="agent sweeper"
    )
