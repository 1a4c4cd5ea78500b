"""Celery tasks: thin wrappers taking ids; the services hold the logic."""

from __future__ import annotations

from celery import shared_task

from skills.services import agents, invocations, retention, sweeper, usage


@shared_task(name="skills.run_invocation", acks_late=True, ignore_result=True)
def run_invocation_task(invocation_id: str) -> None:
    """Idempotent: the claim lets only one delivery of this id run it."""
    invocations.run_invocation(invocation_id, read_back=False)


@shared_task(name="skills.sweep_invocations", ignore_result=True)
def sweep_invocations_task() -> None:
    """Every kind of run (the task keeps its name: beat schedules refer to it)."""
    sweeper.sweep()


@shared_task(name="skills.purge_old_records", ignore_result=True)
def purge_old_records_task() -> None:
    retention.purge_old_records()


@shared_task(name="skills.run_agent_run", acks_late=True, ignore_result=True)
def run_agent_run_task(run_id: str) -> None:
    """Idempotent: the claim lets only one delivery of this id run it."""
    agents.run_agent(run_id)


@shared_task(name="skills.roll_up_usage", ignore_result=True)
def roll_up_usage_task() -> None:
    usage.roll_up_usage()
