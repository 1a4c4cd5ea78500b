"""Celery tasks of the monitoring app: thin wrappers around the engine."""

from __future__ import annotations

from celery import shared_task

from monitoring.services import engine


@shared_task(name="monitoring.evaluate_alerts", ignore_result=True)
def evaluate_alerts_task() -> None:
    engine.evaluate_all()
