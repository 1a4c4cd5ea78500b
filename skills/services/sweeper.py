"""The periodic sweep (beat, every 30 s) over every kind of run.

Skill invocations and agent runs recover the same way (`skills.services.lifecycle.sweep`):
a run whose message was lost or whose worker died is published again, and one published too
often is failed. This is the one entry point the beat task and the worker tests call.
"""

from __future__ import annotations

from providers.outbound import states
from skills.services import budgets, lifecycle
from skills.services.lifecycle import SweepReport


def sweep() -> SweepReport:
    """Sweep invocations, then agent runs (the report adds up both), then mark outbound rows
    left `sending` too long by any process as of unknown outcome, then settle the budget
    reservations of runs that finished without settling them."""
    report = SweepReport()
    for model in lifecycle.KINDS:
        report += lifecycle.sweep(model)
    states.mark_unknown()
    budgets.settle_finished()
    return report
