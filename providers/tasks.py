"""Celery tasks of the providers app: thin wrappers taking ids."""

from __future__ import annotations

from celery import shared_task

from providers import services


@shared_task(name="providers.run_health_checks", ignore_result=True)
def run_health_checks_task() -> None:
    """One task per active connection, so a slow provider delays none."""
    for connection_id in services.active_connection_ids():
        check_connection_task.delay(connection_id)


@shared_task(name="providers.check_connection", acks_late=True, ignore_result=True)
def check_connection_task(connection_id: int) -> None:
    services.check_connection(connection_id)
