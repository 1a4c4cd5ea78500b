"""A run's writes grouped into as few commits as its guarantees allow.

On PostgreSQL every commit waits for the write-ahead log to reach the disk. A skill call that
committed its claim, its outbound row, that row's outcome and its result one by one paid four
flushes; its guarantees need two:

- the outbound row must be durable before a byte goes to the provider (the validation log
  holds every request sent), and
- the result must be durable when the run ends (an answer is paid for once).

So a run works inside a `UnitOfWork` (the current one is kept in a ContextVar, so the capture
code deep inside an SDK call finds it without being handed it):

- `hold()` begins a transaction that stays open after the statement that needed it: the
  claim's UPDATE waits there for the first outbound row, and both commit together;
- `defer(write)` keeps a write for the next commit: an attempt's outcome waits for the next
  attempt's outbound row, or for the result;
- `commit(write)` runs what is held and deferred and `write` in one transaction and commits.

Without a current unit (health checks, connection tests, the console's own requests) every
write commits at once, as Django's autocommit does. Inside a caller's transaction (a test, a
request with ATOMIC_REQUESTS) a unit's transactions are savepoints and nothing is durable
before the caller commits; `in_callers_transaction` tells code that cares.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The errors of a database that is down, restarting or cut off (not of a bad statement).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

_current: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar(
    "unit_of_work", default=None
)
_rng = random.SystemRandom()


class _RolledBack(Exception):
    """Handed to a held transaction's exit to make it roll back; never raised."""


class UnitOfWork:
    """The writes of one run on one database, committed together where they may wait."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self._held: transaction.Atomic | None = None
        self._deferred: list[Callable[[], object]] = []

    @property
    def holding(self) -> bool:
        """Whether a transaction begun by `hold()` is open."""
        return self._held is not None

    def hold(self) -> None:
        """Begin a transaction that the next `commit` (or `rollback`) ends."""
        if self._held is None:
            atomic = transaction.atomic(using=self.using)
            atomic.__enter__()
            self._held = atomic

    def defer(self, write: Callable[[], object]) -> None:
        """Run `write` in the next commit (or at once, should no unit be current)."""
        self._deferred.append(write)

    def commit(self, write: Callable[[], T]) -> T:
        """Run the held transaction's rest, the deferred writes and `write`; commit them.

        If anything fails, all of it is rolled back and the error raised; the deferred
        writes stay queued for the next commit, the held transaction is gone.
        """
        atomic, self._held = self._held, None
        if atomic is None:
            atomic = transaction.atomic(using=self.using)
            atomic.__enter__()
        elif connections[self.using].atomic_blocks[-1] is not atomic:
            # Committing under a transaction opened later would end the wrong one.
            atomic.__exit__(None, None, None)
            raise transaction.TransactionManagementError(
                "A unit of work's held transaction must be the innermost when it commits."
            )
        try:
            for deferred in self._deferred:
                deferred()
            result = write()
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        atomic.__exit__(None, None, None)  # the commit: raises, rolled back, if it fails
        self._deferred.clear()
        return result

    def commit_durably(self, write: Callable[[], T], *, retry_for: float) -> T:
        """`commit`, retried while the database is unavailable, for up to `retry_for` seconds.

        For writes that carry something that cannot be had again without paying for it (a
        provider's answer): the worker keeps it and tries again with bounded backoff, so the
        run ends as soon as the database is back. Other errors are raised at once.
        """
        deadline = time.monotonic() + retry_for
        delay = 0.1
        while True:
            try:
                return self.commit(write)
            except DATABASE_UNAVAILABLE as exc:
                if time.monotonic() + delay > deadline:
                    raise
                logger.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
            # A broken connection is replaced at the next query; so is one that was fine.
            connections[self.using].close()
            time.sleep(delay * _rng.uniform(0.5, 1.0))
            delay = min(delay * 2, 2.0)

    def rollback(self) -> None:
        """End a held transaction without committing it; deferred writes are dropped."""
        atomic, self._held = self._held, None
        self._deferred.clear()
        if atomic is not None:
            atomic.__exit__(_RolledBack, _RolledBack(), None)

    def close(self) -> None:
        """At the end of the run: commit what is still held or deferred, if anything is."""
        if self._held is None and not self._deferred:
            return
        try:
            self.commit(lambda: None)
        except DATABASE_UNAVAILABLE:
            logger.exception("the last writes of a unit of work were lost")


def current() -> UnitOfWork | None:
    """The unit of work of this thread's run, if one is running."""
    return _current.get()


@contextlib.contextmanager
def unit_of_work(using: str = DEFAULT_DB_ALIAS) -> Iterator[UnitOfWork]:
    """Make a new unit current for the block; on the way out commit what is left, or roll
    back what it holds if the block raised."""
    outer = current()
    if outer is not None and outer.holding:
        # A run started by another run's work (an agent's tool calling a skill): the outer
        # transaction is committed first, or the inner one would only be a savepoint in it.
        outer.commit(lambda: None)
    unit = UnitOfWork(using)
    token = _current.set(unit)
    try:
        yield unit
    except BaseException:
        unit.rollback()
        raise
    else:
        unit.close()
    finally:
        _current.reset(token)


def commit(write: Callable[[], T]) -> T:
    """Commit `write` with what the current unit holds and defers.

    Without a unit, `write` runs as it is: in autocommit, where a single statement commits
    itself with no BEGIN or COMMIT around it.
    """
    unit = current()
    if unit is None:
        return write()
    return unit.commit(write)


def commit_durably(write: Callable[[], T], *, retry_for: float) -> T:
    """`UnitOfWork.commit_durably` in the current unit, or in one of its own."""
    return (current() or UnitOfWork()).commit_durably(write, retry_for=retry_for)


def defer(write: Callable[[], object]) -> None:
    """Leave `write` for the current unit's next commit; run it at once without a unit."""
    unit = current()
    if unit is None:
        write()
    else:
        unit.defer(write)


def in_callers_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this thread is inside a transaction other than the one its unit holds."""
    blocks = connections[using].atomic_blocks
    if not blocks:
        return False
    unit = current()
    held = unit._held if unit is not None else None
    return not (len(blocks) == 1 and blocks[0] is held)
