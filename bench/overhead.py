"""Overhead: a skill call minus the same SDK call made directly, sandbox latency 0.

Per provider and per iteration the direct call (a) is made right before the skill call it is
compared with — in-process `invoke_now` (b), or through Celery (c): `create_invocation`, then
the caller polls the row (every 2 ms) until it is terminal — so machine noise hits both
sides of each difference alike. Providers take turns within each iteration.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection as db_connection

from bench.common import Row, percentile
from bench.direct import direct_call
from bench.env import INPUT, PROVIDER_KINDS, Worker
from skills.choices import TERMINAL_STATUSES, InvocationStatus, Source
from skills.models import Invocation
from skills.services.invocations import create_invocation, invoke_now

TARGETS = {"in-process": (2.5, 5.0), "Celery": (8.0, 15.0)}
WARMUP = 30
# How often the caller reads the row: a tighter loop steals CPU from the worker it measures
# (at 0.5 ms the worker's run took twice as long as in-process); this adds ≤ 2 ms.
POLL_S = 0.002


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def in_process(key: str) -> Callable[[], Invocation]:
    def call() -> Invocation:
        invocation = invoke_now(key, INPUT, source=Source.API)
        if invocation.status != InvocationStatus.SUCCEEDED:
            raise SystemExit(f"bench invocation failed: {invocation.error_message}")
        return invocation

    return call


def _through_celery(key: str) -> Callable[[], Invocation]:
    def call() -> Invocation:
        invocation = create_invocation(key, INPUT, source=Source.API)
        rows = Invocation.objects.filter(pk=invocation.pk).values_list("status", flat=True)
        deadline = time.monotonic() + 30
        while True:
            status = rows.first()
            if status in TERMINAL_STATUSES:
                break
            if time.monotonic() > deadline:
                raise SystemExit("a Celery bench invocation did not finish in 30 s")
            time.sleep(POLL_S)
        if status != InvocationStatus.SUCCEEDED:
            raise SystemExit(f"bench invocation through Celery ended {status}")
        return invocation

    return call


def _measure(
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]], runs: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Per provider: (direct times, skill-minus-direct differences), interleaved."""
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in pairs}
    for i in range(WARMUP + runs):
        for kind, (direct, skill) in pairs.items():
            a, _ = _timed(direct)
            b, _ = _timed(skill)
            if i >= WARMUP:
                out[kind][0].append(a)
                out[kind][1].append(b - a)
    return out


def _rows(label: str, results: dict[str, tuple[list[float], list[float]]]) -> list[Row]:
    p50_target, p95_target = TARGETS[label]
    rows = []
    every: list[float] = []
    for kind, (direct, diffs) in results.items():
        every += diffs
        p50, p95, p99 = (percentile(diffs, p) for p in (50, 95, 99))
        rows.append(
            Row(
                "overhead",
                f"{label}, {kind}: skill - direct SDK p50/p95/p99 (n={len(diffs)}; "
                f"direct p50 {percentile(direct, 50):.2f} ms)",
                f"{p50:.2f} / {p95:.2f} / {p99:.2f} ms",
                f"≤ {p50_target:g} / {p95_target:g} ms",
                p50 <= p50_target and p95 <= p95_target,
            )
        )
    p50, p95, p99 = (percentile(every, p) for p in (50, 95, 99))
    rows.append(
        Row(
            "overhead",
            f"{label}, all providers p50/p95/p99 (n={len(every)})",
            f"{p50:.2f} / {p95:.2f} / {p99:.2f} ms",
            f"≤ {p50_target:g} / {p95_target:g} ms",
            p50 <= p50_target and p95 <= p95_target,
        )
    )
    return rows


class _StatementClock:
    """An execute wrapper: counts statements and the wall time spent inside them."""

    def __init__(self) -> None:
        self.statements = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.statements += 1


def _decompose(direct: Callable[[], object], skill: Callable[[], object], runs: int) -> Row:
    """Where the in-process overhead goes: database statements vs. the console's Python.

    A separate pass (the wrapper's own cost stays out of the timed figures above): per call,
    the number of SQL statements, the wall time spent in them (round trip, server, commit),
    and the rest of the overhead, which is the console's own Python — ORM, outbound capture,
    rendering, resolution lookups — and the CPU time of the whole call.
    """
    clock = _StatementClock()
    overhead, in_db, cpu = [], [], []
    with db_connection.execute_wrapper(clock):
        for _ in range(runs):
            a, _ = _timed(direct)
            before = clock.seconds
            cpu_start = time.thread_time()
            b, _ = _timed(skill)
            cpu.append((time.thread_time() - cpu_start) * 1000)
            overhead.append(b - a)
            in_db.append((clock.seconds - before) * 1000)
    statements = clock.statements / runs
    p50_over, p50_db = percentile(overhead, 50), percentile(in_db, 50)
    return Row(
        "overhead",
        f"in-process overhead p50 decomposed (n={runs}): SQL statements per call, "
        "wall time in them (commits not included), the rest (console Python), CPU per skill call",
        f"{statements:.1f} statements, {p50_db:.2f} ms in cursor.execute (driver, round trip, server), "
        f"{p50_over - p50_db:.2f} ms the rest (of {p50_over:.2f} ms); "
        f"CPU {percentile(cpu, 50):.2f} ms per call",
    )


def run(ctx) -> list[Row]:
    ctx.sandbox.set_latency(0)
    direct = {kind: direct_call(ctx.skills[kind], INPUT) for kind in PROVIDER_KINDS}
    db_connection.close()
    local = {kind: (direct[kind], in_process(ctx.skills[kind])) for kind in PROVIDER_KINDS}
    print(f"  in-process: {ctx.overhead_runs} x {len(local)} providers", flush=True)
    rows = _rows("in-process", _measure(local, ctx.overhead_runs))
    direct_one, skill_one = local[PROVIDER_KINDS[0]]
    rows.append(_decompose(direct_one, skill_one, max(100, ctx.overhead_runs // 4)))
    worker = Worker(concurrency=8, queue=ctx.queue).start()
    try:
        celery = {
            kind: (direct[kind], _through_celery(ctx.skills[kind])) for kind in PROVIDER_KINDS
        }
        runs = ctx.celery_runs
        print(f"  Celery: {runs} x {len(celery)} providers", flush=True)
        rows += _rows("Celery", _measure(celery, runs))
    finally:
        worker.stop()
    return rows
