"""Who is changing configuration, and through which door: set once per request or command.

Kept in a ContextVar so signal handlers, services and worker threads each see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .choices import AuditSource


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None  # a User or None
    source: str = AuditSource.SYSTEM


_SYSTEM = AuditContext()
_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def current() -> AuditContext:
    return _current.get() or _SYSTEM


@contextlib.contextmanager
def audit_context(actor: Any = None, source: str = AuditSource.SYSTEM) -> Iterator[AuditContext]:
    token = _current.set(AuditContext(actor=actor, source=source))
    try:
        yield current()
    finally:
        _current.reset(token)
