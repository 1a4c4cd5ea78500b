"""The fault tier: a real worker process, the database, the broker and the provider sandbox,
with one thing breaking in the middle of a batch. Every scenario checks the same four things:

(a) no invocation is lost: every one reaches a terminal status;
(b) the outbound log holds every request the provider received. Its row is committed
    (`sending`) before each send, so rows >= received always; where no process died and the
    database stayed up, rows == received. Where a worker was killed, or the database went
    away under a statement (whose commit the worker then never heard of), a row may stand
    for a request that never left, and only as one whose outcome was never recorded:
    rows - received <= rows `unknown` (or still `sending`);
(c) at most one 2xx call per invocation, counted on both sides (the log's rows, the sandbox's
    answers), and the log shows every 2xx answer; unless a process died, and then a second
    call only for runs that were in flight at the kill;
(d) nothing is `running` 15 s after the worker and the database are back.

Besides, every run succeeds, and usage counts each once.

The product sends no identifier of the run with a provider request: the sandbox tells runs
apart by the digest of each request's prompt, and each invocation of a batch has a prompt of
its own (`faults.Batch`).
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import override_settings

from providers.adapters import clear_cache
from providers.choices import OutboundState
from providers.outbound.models import OutboundRequest
from sandbox.server import SandboxServer
from skills.choices import TERMINAL_STATUSES, InvocationStatus
from skills.models import Invocation
from skills.services import sweeper
from skills.services.invocations import create_invocation
from skills.services.usage import usage_totals
from tests.integration.conftest import (
    CONFIG_SEEN_WITHIN,
    Worker,
    flush_broker,
    wait_until_terminal,
)
from tests.integration.faults import (
    Batch,
    DbProxy,
    Findings,
    Ledger,
    ledger,
    settle,
    terminate_backends,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration")]
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="sessions and a server to cut off: PostgreSQL"
)

BATCH = 60
LATENCY_MS = 1000  # a provider call of about a second: a batch is mid-way for long enough
BACK_WITHIN = 15.0  # (d): seconds after everything is back by which nothing may be running
OUTAGE_S = 10.0


def _until_succeeded(batch: Batch, n: int, timeout: float = 30) -> None:
    reached = wait_for(lambda: batch.count(InvocationStatus.SUCCEEDED) >= n, timeout)
    assert reached, f"fewer than {n} succeeded within {timeout} s"


def _recover(batch: Batch, back_at: float, budget: float) -> tuple[set, dict[str, int]]:
    """(d), then (a): the runs still `running` BACK_WITHIN seconds after `back_at` (sweeping
    each second meanwhile, as beat would), then the statuses once every run is terminal or
    `budget` more seconds have passed."""
    wait_until_terminal(batch.ids, max(0.0, back_at + BACK_WITHIN - time.monotonic()), sweep=True)
    still_running = batch.running()
    counts = wait_until_terminal(batch.ids, budget, sweep=True)
    return still_running, counts


def _lost(f: Findings, counts: dict[str, int], n: int = BATCH) -> None:
    """(a)"""
    f.note(f"statuses {counts}")
    unfinished = sum(v for k, v in counts.items() if k not in TERMINAL_STATUSES)
    f.check(sum(counts.values()) == n and not unfinished, f"(a) {unfinished} runs never ended")


def _unlogged(f: Findings, books: Ledger, *, complete: bool) -> None:
    """(b) With `complete`, no process died and no statement was cut: rows == received.
    Otherwise a row may stand for a request that never left, only as an unrecorded outcome."""
    f.note(f"outbound rows {books.rows} {dict(books.rows_by_state)}, received {books.received}")
    f.check(books.received <= books.rows, "(b) requests received that are not in the log")
    unrecorded = books.unknown + books.rows_by_state[OutboundState.SENDING]
    if complete:
        f.check(books.rows == books.received, "(b) rows for requests never received")
    else:
        f.check(books.rows - books.received <= unrecorded, "(b) rows for requests never sent")


def _paid_once(f: Findings, books: Ledger) -> None:
    """(c) where no process died: one 2xx call at most per invocation, and the log shows
    every 2xx answer the provider gave."""
    extra = books.extra_paid()
    mismatched = books.mismatched_answers()
    f.note(
        f"2xx rows {sum(books.paid_rows.values())}, 2xx answers received "
        f"{sum(books.paid_received.values())}"
    )
    f.check(not extra, f"(c) {len(extra)} invocations paid more than once")
    f.check(not mismatched, f"(c) {len(mismatched)} invocations whose 2xx answers the log misses")


def _idle(f: Findings, still_running: set) -> None:
    """(d)"""
    f.check(not still_running, f"(d) {len(still_running)} running {BACK_WITHIN:g} s after")


def _exactly_once(f: Findings, counts: dict[str, int], n: int = BATCH) -> None:
    f.check(counts == {InvocationStatus.SUCCEEDED: n}, "not every run succeeded")
    # Usage counts a run once, in the statement that finishes it: one per invocation.
    counted = sum(row["invocations"] for row in usage_totals())
    f.check(counted == n, f"usage counts {counted} runs, not {n}")


# -- 1. the worker killed, twice --------------------------------------------------------------


def test_a_worker_killed_twice_mid_batch_loses_nothing(world, worker, sandbox) -> None:
    sandbox.set_faults("azure_openai", latency_ms=LATENCY_MS)
    worker.start().wait_ready()
    batch = Batch.create(world, "kill", BATCH)
    in_flight: set = set()
    _until_succeeded(batch, 8)
    for kills in (1, 2):
        if kills == 2:  # once the new worker is busy again, with runs it took over among them
            busy = wait_for(lambda: len(batch.running()) >= 12, 30, on_tick=sweeper.sweep)
            assert busy, "the restarted worker never got busy"
        worker.kill()
        at_kill = batch.running()
        assert at_kill, f"kill {kills} came too late to interrupt anything"
        in_flight |= at_kill
        worker.start().wait_ready()
    back_at = time.monotonic()
    still_running, counts = _recover(batch, back_at, budget=40)
    settle(batch, sandbox)
    books = ledger(batch, sandbox)

    f = Findings()
    f.note(f"{len(in_flight)} runs in flight at the kills")
    _lost(f, counts)
    _exactly_once(f, counts)
    _unlogged(f, books, complete=False)
    f.check(not books.rows_by_state[OutboundState.SENDING], "(b) rows left `sending`")
    # (c) A second 2xx call only for a run a kill interrupted. The provider may have answered
    # a request whose row the killed worker never completed: it may count more 2xx answers
    # than the log, by no more than that run's `unknown` rows.
    extra = books.extra_paid()
    f.note(f"{len(extra)} runs paid more than once")
    f.check(set(extra) <= in_flight, "(c) a run paid twice that no kill interrupted")
    f.check(all(books.paid_rows[pk] for pk in batch.ids), "(c) a success with no 2xx row")
    f.check(
        all(
            logged <= answered <= logged + unknown
            for answered, logged, unknown in books.mismatched_answers().values()
        ),
        "(c) 2xx answers missing from the log beyond its `unknown` rows",
    )
    _idle(f, still_running)
    f.verdict(worker.logs())


# -- 2. the broker flushed --------------------------------------------------------------------


def test_a_broker_flushed_mid_batch_loses_nothing(world, worker, sandbox) -> None:
    """Messages waiting in the broker are lost while a worker is busy with others: the sweep
    finds their rows `queued` and publishes them again."""
    sandbox.set_faults("azure_openai", latency_ms=LATENCY_MS)
    worker.concurrency = 16
    worker.env["CELERY_WORKER_PREFETCH_MULTIPLIER"] = "1"  # the rest stays in the broker
    worker.start().wait_ready()
    batch = Batch.create(world, "flush", BATCH)
    _until_succeeded(batch, 5)
    lost = flush_broker()
    back_at = time.monotonic()
    assert 0 < lost < BATCH
    still_running, counts = _recover(batch, back_at, budget=40)
    settle(batch, sandbox)
    books = ledger(batch, sandbox)

    f = Findings()
    republished = Invocation.objects.filter(pk__in=batch.ids, enqueue_count__gte=2).count()
    f.note(f"{lost} messages lost, {republished} runs published again")
    _lost(f, counts)
    _exactly_once(f, counts)
    f.check(republished >= lost, "fewer runs published again than messages lost")
    _unlogged(f, books, complete=True)
    _paid_once(f, books)
    f.check(sum(books.paid_rows.values()) == BATCH, "(c) not one 2xx call per run")
    _idle(f, still_running)
    f.verdict(worker.logs())


# -- 3. the worker's database sessions terminated ---------------------------------------------


@postgresql_only
def test_database_sessions_terminated_mid_batch_lose_nothing(world, worker, sandbox) -> None:
    """`pg_terminate_backend` of every session on the database but the test's own: the
    worker's threads (those keeping a connection across a provider call) and its heartbeat
    find their connections dead. The database stays up: nothing is paid twice."""
    sandbox.set_faults("azure_openai", latency_ms=LATENCY_MS)
    worker.start().wait_ready()
    batch = Batch.create(world, "terminate", BATCH)
    _until_succeeded(batch, 8)
    in_flight = batch.running()
    ended = terminate_backends()
    back_at = time.monotonic()
    assert ended > 0
    still_running, counts = _recover(batch, back_at, budget=40)
    settle(batch, sandbox)
    books = ledger(batch, sandbox)

    f = Findings()
    f.note(f"{ended} sessions terminated, {len(in_flight)} runs in flight")
    _lost(f, counts)
    _exactly_once(f, counts)
    _unlogged(f, books, complete=True)
    _paid_once(f, books)
    _idle(f, still_running)
    f.verdict(worker.logs())


# -- 4. the database unreachable for 10 s ------------------------------------------------------


@pytest.fixture
def proxied_worker(integration_db: str, tunables: dict, tmp_path: Path) -> Iterator[Any]:
    """A worker that reaches the database through a proxy the test can cut.

    Runs go stale after 30 s here (the test process's sweep and the worker agree): longer
    than the outage plus BACK_WITHIN, so that a run finishing within (d) is one its own worker
    finished, not one taken over after the stale timeout.
    """
    with DbProxy(integration_db) as proxy, override_settings(SKILLS_STALE_AFTER_SECONDS=30.0):
        worker = Worker(proxy.url, tmp_path)
        worker.env["SKILLS_STALE_AFTER_SECONDS"] = "30"
        try:
            yield proxy, worker
        finally:
            worker.stop()


@postgresql_only
def test_database_unreachable_for_10_s_mid_batch_pays_once(world, proxied_worker, sandbox):
    """Every connection of the worker is closed and new ones are refused for 10 s. An answer
    received meanwhile is kept and written once the database is back: one 2xx call per
    invocation, and the runs whose call succeeded before or during the outage finished within
    15 s of the database's return."""
    proxy, worker = proxied_worker
    sandbox.set_faults("azure_openai", latency_ms=LATENCY_MS)
    worker.start().wait_ready()
    batch = Batch.create(world, "outage", BATCH)
    _until_succeeded(batch, 8)
    cut = proxy.cut()
    in_flight = batch.running()
    time.sleep(OUTAGE_S)
    proxy.restore()
    back_at, back_epoch = time.monotonic(), time.time()
    assert cut > 0
    assert in_flight, "the outage came too late to interrupt anything"
    still_running, counts = _recover(batch, back_at, budget=45)
    settle(batch, sandbox)
    books = ledger(batch, sandbox, before=back_epoch)
    finished = dict(
        Invocation.objects.filter(pk__in=list(books.paid_before)).values_list("pk", "finished_at")
    )
    deadline = datetime.datetime.fromtimestamp(back_epoch + BACK_WITHIN, tz=datetime.UTC)
    late = [pk for pk in books.paid_before if (at := finished.get(pk)) is None or at > deadline]

    f = Findings()
    f.note(f"{cut} connections cut, {len(in_flight)} runs in flight")
    f.note(f"{len(books.paid_before)} runs answered 200 before the database was back")
    _lost(f, counts)
    _exactly_once(f, counts)
    _unlogged(f, books, complete=False)  # a statement cut mid-way may have committed
    _paid_once(f, books)
    f.check(not late, f"{len(late)} runs answered before the database was back finished late")
    _idle(f, still_running)
    f.verdict(worker.logs())


# -- 5. provider storms -----------------------------------------------------------------------

STORMS: tuple[dict[str, Any], ...] = (
    {"kind": "throttle", "fail_next": 12, "retry_after_s": 0.2},
    {"kind": "server_error", "fail_next": 12},
    {"kind": "hang", "fail_next": 4, "hang_s": 4},  # past the connection's 2 s timeout
    {"kind": "body_cut", "fail_next": 8},  # 200, headers, half the body, then the cut
)
STORM_BATCH = 20


def _retry_gaps(batch: Batch, sandbox: SandboxServer) -> list[float]:
    """Seconds between each throttled answer and the next request of the same run."""
    by_run: dict[str, list[dict]] = {}
    for entry in batch.received(sandbox):
        by_run.setdefault(entry["prompt_digest"], []).append(entry)
    gaps = []
    for entries in by_run.values():
        entries.sort(key=lambda e: e["time"] - e["duration_ms"] / 1000)
        for before, after in itertools.pairwise(entries):
            if before["fault"] == "throttle":
                gaps.append(after["time"] - after["duration_ms"] / 1000 - before["time"])
    return gaps


def test_provider_storms_end_every_run_and_pay_once(world, worker, sandbox) -> None:
    """Throttles with retry hints, server errors, hangs past the timeout and answers cut
    mid-body: every run succeeds within its attempt budget, each request is in the log, each
    run is paid once; a permanent error (a wrong key) ends at once, without a retry."""
    world.azure_conn.timeout_seconds = 2
    world.azure_conn.save()
    clear_cache()
    worker.start().wait_ready()
    f = Findings()
    try:
        for number, spec in enumerate(STORMS):
            kind, failures = spec["kind"], spec["fail_next"]
            f.part = f"{kind}: "
            sandbox.set_faults("azure_openai", latency_ms=50, **spec)
            batch = Batch.create(world, f"storm-{number}-{kind}", STORM_BATCH)
            counts = wait_until_terminal(batch.ids, 40)
            settle(batch, sandbox)
            books = ledger(batch, sandbox)
            _lost(f, counts, STORM_BATCH)
            f.check(counts == {InvocationStatus.SUCCEEDED: STORM_BATCH}, "not every run succeeded")
            most = Invocation.objects.filter(pk__in=batch.ids).aggregate(n=Max("attempts"))["n"]
            f.check(most <= 4, f"a run made {most} attempts")
            f.note(f"faults {dict(books.faults)}")
            f.check(books.faults == {kind: failures}, "not every fault was served")
            f.check(books.received == STORM_BATCH + failures, "requests beyond one per fault")
            _unlogged(f, books, complete=True)
            _paid_once(f, books)
            f.check(sum(books.paid_rows.values()) == STORM_BATCH, "(c) not one 2xx call per run")
            if kind == "throttle":
                gaps = _retry_gaps(batch, sandbox)
                f.note(f"retries after a throttle came {min(gaps, default=0):.3f} s later or more")
                f.check(len(gaps) == failures, "a throttled run was not retried")
                hint = spec["retry_after_s"] - 0.01  # `retry-after-ms`; `retry-after` rounds up
                f.check(min(gaps, default=0) >= hint, "a retry came before the provider's hint")
            if kind == "body_cut":
                # The cut answers are in the log as what they were: a 200 whose body broke.
                cut = OutboundRequest.objects.filter(
                    invocation_id__in=batch.ids, status_code=200
                ).exclude(error="")
                f.check(cut.count() == failures, "the cut answers are not in the log as such")
        sandbox.clear_faults()
        # A permanent error ends at once, with no retry.
        f.part = "wrong key: "
        world.azure_conn.set_secrets({"api_key": "sandbox-wrong-key-000000000"})
        world.azure_conn.save()
        time.sleep(CONFIG_SEEN_WITHIN)  # the worker learns of the change at its next look
        sandbox.clear_requests()
        ids = [
            create_invocation(world.skill.key, {"short_description": "wrong key"}).pk
            for _ in range(5)
        ]
        counts = wait_until_terminal(ids, 20)
        f.check(counts == {InvocationStatus.FAILED: 5}, f"statuses {counts}, not 5 failed")
        attempts = set(Invocation.objects.filter(pk__in=ids).values_list("attempts", flat=True))
        f.check(attempts == {1}, f"attempts {attempts}: a permanent error was retried")
        refused = [r["status"] for r in sandbox.requests if r["provider"] == "azure_openai"]
        f.check(refused == [401] * 5, f"the provider answered {refused}")
        logged = OutboundRequest.objects.filter(invocation_id__in=ids, status_code=401).count()
        f.check(logged == 5, f"{logged} of the 5 refusals are in the log")
    finally:
        world.azure_conn.timeout_seconds = 5
        world.azure_conn.set_secrets({"api_key": "sandbox-azure-key-contoso-0001"})
        world.azure_conn.save()
    f.verdict(worker.logs())
