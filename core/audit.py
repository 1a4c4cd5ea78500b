"""The audit service every app may use: who is changing configuration, through which door,
and how a change that is not a model save is announced.

Model saves are audited by `auditlog`'s signal handlers; nothing below has to remember them.
What is not a model save (a key rotation) is announced here with `announce`, a Django signal
that `auditlog` records, so no app below the top floor imports `auditlog`.

The actor and door live in a ContextVar, so signal handlers, services and worker threads each
see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.dispatch import Signal


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    SWITCH = "switch", "Integration switched"
    ROTATE = "rotate", "Keys rotated"


class AuditSource(models.TextChoices):
    UI = "ui", "Console"
    API = "api", "REST API"
    ADMIN = "admin", "Django admin"
    IMPORT = "import", "Import"
    CLI = "cli", "Command line"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None  # a User or None
    source: str = AuditSource.SYSTEM


_SYSTEM = AuditContext()
_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "audit_context", default=None
)

#: Sent by `announce` with the keyword arguments of `auditlog.services.record_event`.
configuration_event = Signal()


def current() -> AuditContext:
    return _current.get() or _SYSTEM


@contextlib.contextmanager
def audit_context(actor: Any = None, source: str = AuditSource.SYSTEM) -> Iterator[AuditContext]:
    token = _current.set(AuditContext(actor=actor, source=source))
    try:
        yield current()
    finally:
        _current.reset(token)


def announce(
    *,
    action: str,
    object_type: str,
    object_id: Any = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    """Record a configuration event that is not a model save, in the current audit context."""
    configuration_event.send(
        sender=None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes,
    )
