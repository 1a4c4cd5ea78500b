"""When a thread gives its database connection back.

A provider call lasts seconds; a worker of hundreds of threads cannot keep one PostgreSQL
connection per thread (`max_connections`), so a thread closes its connection while it waits on
a provider (once the request's outbound row is committed, `providers.outbound.capture.begin`)
and when its task ends. Reconnecting costs milliseconds, though (a PostgreSQL
backend is a new process): the first few threads of a process (SKILLS_DB_KEEP_CONNECTIONS,
default 8) keep theirs. A call at low concurrency then never reconnects, and the connections
held idle stay bounded at any concurrency. A thread's slot is freed when the thread ends.

With a connection pool configured, `close()` only hands the connection back to the pool and
keeping saves little; it does no harm as long as the pool is larger than the slots.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import close_old_connections, connection

_local = threading.local()
_lock = threading.Lock()
_slots: threading.Semaphore | None = None


def keep_limit() -> int:
    """SKILLS_DB_KEEP_CONNECTIONS; 0 closes every time."""
    return int(settings.SKILLS_DB_KEEP_CONNECTIONS)


class _Slot:
    """Held in the thread's locals; released when the thread (and its locals) go away."""

    def __init__(self, slots: threading.Semaphore) -> None:
        self.slots = slots

    def __del__(self) -> None:
        self.slots.release()


def _keeps() -> bool:
    global _slots
    if getattr(_local, "slot", None) is not None:
        return True
    if _slots is None:
        with _lock:
            if _slots is None:
                _slots = threading.Semaphore(keep_limit())
    if _slots.acquire(blocking=False):
        _local.slot = _Slot(_slots)
        return True
    return False


def release_while_waiting() -> None:
    """Before waiting on a provider: close this thread's connection unless it holds a slot.

    Only outside a transaction: inside one (tests, callers' atomic blocks) the connection
    carries uncommitted work and must stay.
    """
    if connection.in_atomic_block or _keeps():
        return
    connection.close()


def release_after_task() -> None:
    """After a task: a slot holder keeps a healthy connection (CONN_MAX_AGE still applies)."""
    if connection.in_atomic_block:
        return
    close_old_connections()
    if not _keeps():
        connection.close()
