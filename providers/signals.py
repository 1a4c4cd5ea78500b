"""The first health check of a connection runs as soon as it is created or changed.

Without it a new connection shows "unknown" until the next scheduled round (five minutes by
default), and a changed key that no longer works keeps its old "healthy". The check is
published by name once the save commits (a rolled-back save checks nothing), so this module
never imports the task that runs it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from providers.models import Connection

logger = logging.getLogger(__name__)

CHECK_CONNECTION = "providers.check_connection"

# Saves that only record what a check found, or that retire a connection, are not changes a
# check should follow (a check writes these itself, by UPDATE, but a caller may save them).
_NOT_A_CHANGE = frozenset(
    {"health_status", "consecutive_failures", "last_checked_at", "last_check_message", "updated_at"}
)


def publish_check(connection_id: int) -> bool:
    """Send the health-check task of one connection; a broker outage is logged, not raised
    (the scheduled round checks it later)."""
    try:
        current_app.tasks[CHECK_CONNECTION].apply_async(args=(connection_id,), retry=False)
    except Exception:
        logger.exception("could not publish the first health check of connection %s", connection_id)
        return False
    return True


@receiver(post_save, sender=Connection, dispatch_uid="providers.first_health_check")
def _check_after_save(
    sender: type[Connection], instance: Connection, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw") or not instance.is_active:
        return
    fields = kwargs.get("update_fields")
    if fields is not None and set(fields) <= _NOT_A_CHANGE:
        return
    connection_id = instance.pk
    transaction.on_commit(lambda: publish_check(connection_id))
