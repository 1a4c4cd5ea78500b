"""Scheduled health checks: one task per active connection, so a slow provider delays none."""

from __future__ import annotations

import logging

from providers.models import Connection

logger = logging.getLogger(__name__)


def active_connection_ids() -> list[int]:
    return list(Connection.objects.filter(is_active=True).values_list("pk", flat=True))


def check_connection(connection_id: int) -> None:
    """Run the providers app's health check of one connection (history, status transitions)."""
    from providers.services import run_health_check

    connection = Connection.objects.select_related("provider").filter(pk=connection_id).first()
    if connection is None or not connection.is_active:
        return
    run_health_check(connection)
