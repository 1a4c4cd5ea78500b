"""One lifecycle for every kind of run (skill invocations, agent runs): queued → running →
succeeded | failed | cancelled.

The row is the truth. It is written before its id is published, and published only once the
transaction commits (`insert`). A worker takes it with a conditional UPDATE that must change
exactly one row (`claim`), so a redelivered message, a sweeper re-publish or a second worker
never runs it twice; it keeps it alive (`beating`, `still_owned`) and records the outcome with
another conditional UPDATE guarded by its claim token (`finish`), so only the run that owns it
writes a result. `cancel` ends a queued or running row; `sweep` republishes rows whose message
was lost or whose worker died, and gives up on those published too often.

These steps are the same for both kinds; what differs is in `KINDS` (the task that runs it,
how long a running row may stay silent). Each kind's module keeps only its own work: the
invocation resolves, renders and calls; the agent runs its tool loop.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db import connections, models, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import unitofwork
from core.errors import ErrorCode
from providers.outbound import states
from skills.choices import InvocationStatus
from skills.models import AgentRun, Invocation
from skills.models.runs import Run
from skills.services import dispatch
from skills.services.config import tunable, tunable_int
from skills.services.heartbeat import heartbeat

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=Run)

ERROR_MESSAGE_MAX = 2000
UNFINISHED = (InvocationStatus.QUEUED, InvocationStatus.RUNNING)
OUTCOMES = (InvocationStatus.SUCCEEDED, InvocationStatus.FAILED)


@dataclass(frozen=True)
class Kind:
    """What the lifecycle needs to know about one kind of run."""

    label: str
    task: str  # the Celery task that runs it, published by name (services never import tasks)
    stale_after: Callable[[], float]  # seconds a running row may go without a beat


def _agent_stale_after() -> float:
    """An agent run counts as abandoned later than an invocation.

    The heartbeat thread now beats agent runs as it beats invocations, but workers of earlier
    releases beat a run only at each step, and one model step may legitimately retry until the
    call deadline: the deadline stays added so that a rolling upgrade does not take their runs
    over mid-step.
    """
    return tunable("SKILLS_STALE_AFTER_SECONDS") + tunable("SKILLS_DEADLINE_SECONDS")


KINDS: dict[type[Run], Kind] = {
    Invocation: Kind(
        "invocation",
        dispatch.RUN_INVOCATION,
        functools.partial(tunable, "SKILLS_STALE_AFTER_SECONDS"),
    ),
    AgentRun: Kind("agent run", dispatch.RUN_AGENT_RUN, _agent_stale_after),
}


def new_token() -> str:
    """A claim token naming the worker process (for people reading the row) and this run."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


# -- queueing ---------------------------------------------------------------------------------


def publish(model: type[Run], run_id: uuid.UUID | str) -> bool:
    """Send the task message of one run now (see `dispatch.publish_task`)."""
    return dispatch.publish_task(KINDS[model].task, run_id)


def publish_on_commit(model: type[Run], run_id: uuid.UUID | str) -> None:
    """Publish once the current transaction commits (at once outside one)."""
    transaction.on_commit(functools.partial(publish, model, run_id))


def insert(run: Run, *, publish: bool) -> None:
    """Write a new run row; with `publish`, its task goes out once the transaction commits.

    Outside a transaction this is one autocommit INSERT (the in-process path's budget); a
    caller that must survive a failed INSERT (an idempotency race) wraps it in `atomic()`,
    whose rollback then also drops the publication.
    """
    if publish:
        run.enqueued_at, run.enqueue_count = timezone.now(), 1
    run.save(force_insert=True)
    if publish:
        publish_on_commit(type(run), run.pk)


# -- running ----------------------------------------------------------------------------------


def claim(model: type[R], run_id: uuid.UUID | str, token: str | None = None) -> R | None:
    """Take the run if it is queued, or running under a worker that stopped beating.

    Returns the claimed row (its `claimed_by` is the token) or None if this call did not win
    it — including for an id that is not a UUID, as a stray task message may carry.

    Inside a unit of work the claim is held uncommitted and commits with the run's first
    write (its first outbound row, or its result): one commit fewer per run, and a worker
    that dies before sending anything leaves the row as it found it.
    """
    try:
        pk = uuid.UUID(str(run_id))
    except ValueError:
        logger.warning("ignoring a task for malformed %s id %r", KINDS[model].label, run_id)
        return None
    unit = unitofwork.current()
    if unit is not None:
        unit.hold()
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    now = timezone.now()
    stale = now - timedelta(seconds=KINDS[model].stale_after())
    at, before = ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(stale)
    running, queued = InvocationStatus.RUNNING.value, InvocationStatus.QUEUED.value
    pk_value = model._meta.pk.get_db_prep_value(pk, connection)
    params = [running, token or new_token(), queued, at, at, pk_value, queued, running, before]
    rows = model._default_manager.db_manager(connection.alias).raw(
        _claim_sql(model, connection.alias), params
    )
    run = next(iter(rows), None)
    if run is None:
        if unit is not None:
            unit.rollback()
        return None
    if run.started_at != now:
        # A takeover (a fresh claim starts the run now): the requests the dead worker had in
        # flight will never be completed by it, so their outcome is unknown.
        states.mark_unknown(model.outbound_column, [run.pk])
    return run


@functools.cache
def _claim_sql(model: type[Run], alias: str) -> str:
    """The claim as one UPDATE … RETURNING (PostgreSQL, and SQLite ≥ 3.35).

    Raw SQL because Django 5.2's `QuerySet.update()` returns a row count and cannot say
    RETURNING (the ORM returns columns only from INSERTs): the ORM would need an UPDATE and
    then a SELECT, and a worker pays the claim on every run (tests/skills/test_execution.py
    holds the statement budget). `raw()` maps the returned columns through the model's field
    converters like any query. Identifiers come from the model's metadata; every value is a
    parameter.
    """
    ops, meta = connections[alias].ops, model._meta
    col = {f.name: ops.quote_name(str(f.column)) for f in meta.concrete_fields}
    status, heartbeat_at = col["status"], col["heartbeat_at"]
    return (
        f"UPDATE {ops.quote_name(meta.db_table)} "  # noqa: S608
        f"SET {status} = %s, {col['claimed_by']} = %s, "
        # A run taken over keeps the time it first started; `claim` tells the two apart by it.
        f"{col['started_at']} = CASE WHEN {status} = %s THEN %s ELSE {col['started_at']} END, "
        f"{heartbeat_at} = %s "
        f"WHERE {col[meta.pk.name]} = %s "
        f"AND ({status} = %s OR ({status} = %s AND {heartbeat_at} < %s)) "
        f"RETURNING {', '.join(col.values())}"
    )


def _owned(model: type[R], run_id: uuid.UUID, token: str) -> models.QuerySet[R]:
    """The row, if it is still running under this claim (not cancelled, not taken over)."""
    return model._default_manager.filter(
        pk=run_id, status=InvocationStatus.RUNNING, claimed_by=token
    )


@contextlib.contextmanager
def beating(run: Run, token: str) -> Iterator[None]:
    """Keep a claimed run alive (the process's heartbeat thread) while the block runs."""
    with heartbeat.beating(type(run), run.pk, token):
        yield


def still_owned(run: Run, token: str) -> bool:
    """Beat, and say whether this run is still ours (not cancelled, not taken over).

    A worker asks between steps of work; False means stop, as the result would be discarded.
    With the database unavailable the answer is yes: every later write is guarded by the
    claim token, so carrying on can never overwrite another worker's result.
    """
    try:
        return _owned(type(run), run.pk, token).update(heartbeat_at=timezone.now()) == 1
    except unitofwork.DATABASE_UNAVAILABLE:
        logger.warning("%s %s: could not check its claim", KINDS[type(run)].label, run.pk)
        return True


def finish(
    run: R, token: str, status: str, fields: Mapping[str, Any], *, read_back: bool = True
) -> bool:
    """Write the outcome in one UPDATE guarded by the claim token; True if it was ours.

    The UPDATE commits with what the run's unit of work holds or defers (the last attempt's
    outbound outcome). The outcome may be a paid answer: while the database is unavailable
    the write is retried (SKILLS_WRITE_RETRY_SECONDS), so the run ends as soon as the
    database is back instead of being taken over and paid for again.

    On success the instance carries what was written, so the caller needs no read. A run that
    lost its claim (cancelled, taken over, finished elsewhere) writes nothing; the instance is
    then read back unless `read_back=False`.
    """
    if status not in OUTCOMES:
        raise ValueError(f"a run finishes succeeded or failed, not {status!r}")
    now = timezone.now()
    values = dict(fields, status=status, finished_at=now, heartbeat_at=now)
    values["error_message"] = str(values.get("error_message", ""))[:ERROR_MESSAGE_MAX]
    owned = _owned(type(run), run.pk, token)
    changed = unitofwork.commit_durably(
        functools.partial(owned.update, **values), retry_for=tunable("SKILLS_WRITE_RETRY_SECONDS")
    )
    if changed == 1:
        for name, value in values.items():
            setattr(run, name, value)
        return True
    logger.info("%s %s finished elsewhere or was cancelled", KINDS[type(run)].label, run.pk)
    if read_back:
        run.refresh_from_db()
    return False


def release(run: Run, token: str) -> bool:
    """Give a claimed run back to the queue and publish it again; False if it was not ours.

    For a run whose work could not start because the database was unavailable: nothing was
    sent that is not in the outbound log, so another delivery may run it from the start. The
    write is retried like `finish`'s, so the run is queued again as soon as the database is
    back rather than after the stale timeout.
    """
    model = type(run)

    def requeue() -> int:
        changed = _owned(model, run.pk, token).update(
            status=InvocationStatus.QUEUED,
            claimed_by="",
            enqueued_at=timezone.now(),
            enqueue_count=F("enqueue_count") + 1,
        )
        if changed:
            publish_on_commit(model, run.pk)
        return changed

    released = unitofwork.commit_durably(requeue, retry_for=tunable("SKILLS_WRITE_RETRY_SECONDS"))
    if released:
        logger.warning("%s %s back in the queue: database unavailable", KINDS[model].label, run.pk)
    return released == 1


def cancel(model: type[Run], run_id: uuid.UUID | str) -> bool:
    """Cancel a queued or running run; False if it had already finished.

    A running worker is not interrupted, but it stops at its next `still_owned` check and its
    result is discarded: `finish` only matches rows still running under its claim.
    """
    changed = model._default_manager.filter(pk=run_id, status__in=UNFINISHED).update(
        status=InvocationStatus.CANCELLED,
        finished_at=timezone.now(),
        error_code=ErrorCode.CANCELLED,
        error_message="Cancelled before it finished.",
    )
    return changed == 1


# -- recovery ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    requeued: int = 0
    failed: int = 0

    def __add__(self, other: SweepReport) -> SweepReport:
        return SweepReport(self.requeued + other.requeued, self.failed + other.failed)


def sweep(model: type[Run]) -> SweepReport:
    """Republish or fail the stuck rows of one kind.

    A queued row published longer ago than SKILLS_REQUEUE_AFTER_SECONDS, or a running one
    silent for its kind's `stale_after`, is published again; the claim makes the extra message
    harmless if the first was only slow. After SKILLS_MAX_ENQUEUES publications it is failed
    instead, so a poisoned run cannot circulate for ever.
    """
    kind = KINDS[model]
    now = timezone.now()
    requeue_before = now - timedelta(seconds=tunable("SKILLS_REQUEUE_AFTER_SECONDS"))
    stale_before = now - timedelta(seconds=kind.stale_after())
    max_enqueues = tunable_int("SKILLS_MAX_ENQUEUES")
    stuck = Q(status=InvocationStatus.QUEUED) & (
        Q(enqueued_at__lt=requeue_before)
        | Q(enqueued_at__isnull=True, created_at__lt=requeue_before)
    ) | Q(status=InvocationStatus.RUNNING, heartbeat_at__lt=stale_before) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before)
    )
    rows = list(
        model._default_manager.filter(stuck)
        .order_by("created_at")
        .values_list("pk", "status", "enqueue_count", "enqueued_at", "heartbeat_at")[
            : tunable_int("SKILLS_SWEEP_BATCH")
        ]
    )
    report = SweepReport()
    # Requests a dead worker had in flight: their outcome is unknown (providers.outbound.states).
    taken_over = [pk for pk, status, *_ in rows if status == InvocationStatus.RUNNING]
    states.mark_unknown(model.outbound_column, taken_over)
    for pk, status, count, enqueued_at, heartbeat_at in rows:
        # The same conditions again, on this row only: a worker may have moved it meanwhile.
        same = model._default_manager.filter(
            pk=pk, status=status, enqueued_at=enqueued_at, heartbeat_at=heartbeat_at
        )
        if count >= max_enqueues:
            lost = "worker stopped" if status == InvocationStatus.RUNNING else "no worker took it"
            if same.update(
                status=InvocationStatus.FAILED,
                finished_at=now,
                error_code=ErrorCode.ABANDONED,
                error_message=f"Gave up after publishing it {count} times ({lost}); check that "
                "the Celery worker is running and healthy.",
            ):
                report.failed += 1
            continue
        with transaction.atomic():
            if same.update(enqueued_at=now, enqueue_count=F("enqueue_count") + 1):
                publish_on_commit(model, pk)
                report.requeued += 1
    if report.requeued or report.failed:
        logger.warning(
            "%s sweeper: %s re-published, %s failed", kind.label, report.requeued, report.failed
        )
    return report
