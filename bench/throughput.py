"""Throughput under provider latency, and the worker's memory at the highest load.

Sandbox latency 1 s. A closed loop keeps N invocations in flight through the Celery path
(`create_invocation` → broker → a threads-pool worker of N threads): whenever the caller
sees rows finish it creates as many new ones. Completions are counted over a window that
starts after a warm-up; end-to-end latency is `finished_at - created_at` of each row (both
wall-clock stamps on this machine, so the caller's polling interval does not inflate it).
Memory is the worker's peak RSS (VmHWM of the worker and its children, from /proc).
"""

from __future__ import annotations

import time

from django.db import DatabaseError
from django.db import connection as db_connection

from skills.choices import TERMINAL_STATUSES, InvocationStatus, Source
from skills.models import Invocation
from skills.services.invocations import create_invocation

from .common import Row, percentile
from .env import INPUT, Worker, rss_kb

LATENCY_S = 1.0
LEVELS = (50, 100, 200)
TARGET_EFFICIENCY = 0.95
TARGET_RSS_MB = 250.0


def _rss(workers: list[Worker]) -> tuple[int, int]:
    both = [rss_kb(w.pid) for w in workers]
    return sum(b[0] for b in both), sum(b[1] for b in both)


def _drive(key: str, in_flight: int, warmup: float, window: float, workers: list[Worker]) -> dict:
    outstanding: set = set()
    done_in_window = 0
    errors = 0
    latencies: list[float] = []
    peak_rss = 0
    caller_errors = 0
    last_error = ""
    start = time.monotonic()
    measure_from, measure_to = start + warmup, start + warmup + window
    while True:
        now = time.monotonic()
        if now >= measure_to:
            break
        try:
            while len(outstanding) < in_flight:
                outstanding.add(create_invocation(key, INPUT, source=Source.API).pk)
            finished = list(
                Invocation.objects.filter(
                    pk__in=outstanding, status__in=TERMINAL_STATUSES
                ).values_list("pk", "status", "created_at", "finished_at")
            )
        except DatabaseError as exc:  # e.g. PostgreSQL's max_connections reached
            caller_errors += 1
            last_error = str(exc).strip().splitlines()[0][:160]
            db_connection.close()
            time.sleep(0.05)
            continue
        now = time.monotonic()
        for pk, status, created, ended in finished:
            outstanding.discard(pk)
            if measure_from <= now < measure_to:
                done_in_window += 1
                if status != InvocationStatus.SUCCEEDED:
                    errors += 1
                elif ended and created:
                    latencies.append((ended - created).total_seconds() * 1000)
        peak_rss = max(peak_rss, _rss(workers)[1])
        db_connection.close()  # the caller holds no connection while it sleeps
        time.sleep(0.02)
    # Let the rest finish, so the next level starts from an empty queue.
    end = time.monotonic() + 30
    while outstanding and time.monotonic() < end:
        finished = Invocation.objects.filter(
            pk__in=outstanding, status__in=TERMINAL_STATUSES
        ).values_list("pk", "status")
        for pk, status in finished:
            outstanding.discard(pk)
            if status != InvocationStatus.SUCCEEDED:
                errors += 1
        time.sleep(0.1)
    errors += len(outstanding)  # never finished
    hwm, _ = _rss(workers)
    return {
        "completed_per_s": done_in_window / window,
        "errors": errors,
        "p95_ms": percentile(latencies, 95),
        "p50_ms": percentile(latencies, 50),
        "rss_peak_mb": max(hwm, peak_rss) / 1024,
        "caller_errors": caller_errors,
        "last_error": last_error,
    }


def run(ctx, memory_only: bool = False) -> list[Row]:
    ctx.sandbox.set_latency(LATENCY_S * 1000)
    levels = ctx.levels
    key = ctx.skills["azure_openai"]
    rows: list[Row] = []
    if memory_only:
        levels = (max(levels),)
    for n in levels:
        processes = max(1, ctx.processes)
        concurrency = ctx.concurrency or -(-n // processes)
        workers: list[Worker] = []
        try:
            for _ in range(processes):
                workers.append(Worker(concurrency=concurrency, queue=ctx.queue).start())
            print(
                f"  {n} in flight, {processes} x worker --concurrency {concurrency} …", flush=True
            )
            got = _drive(key, n, warmup=ctx.tp_warmup, window=ctx.tp_window, workers=workers)
        finally:
            for worker in workers:
                worker.stop()
        shape = (
            f"{processes} x {concurrency} threads" if processes > 1 else f"{concurrency} threads"
        )
        ideal = n / LATENCY_S
        efficiency = got["completed_per_s"] / ideal
        if not memory_only:
            rows.append(
                Row(
                    "throughput",
                    f"{n} in flight, 1 s latency (worker {shape}): completed/s, "
                    f"efficiency, errors, p50/p95 end-to-end",
                    f"{got['completed_per_s']:.1f}/s, {efficiency:.1%}, {got['errors']} errors, "
                    f"{got['p50_ms']:.0f} / {got['p95_ms']:.0f} ms"
                    + (
                        f"; caller's database errors: {got['caller_errors']} ({got['last_error']})"
                        if got["caller_errors"]
                        else ""
                    ),
                    "≥ 95 %, 0 errors" if n == max(LEVELS) else "",
                    (efficiency >= TARGET_EFFICIENCY and got["errors"] + got["caller_errors"] == 0)
                    if n == max(LEVELS)
                    else (None if got["errors"] == 0 else False),
                )
            )
        if n == max(LEVELS):
            rows.append(
                Row(
                    "memory",
                    f"worker peak RSS at {n} in flight ({shape}; VmHWM, all worker processes)",
                    f"{got['rss_peak_mb']:.0f} MB",
                    f"≤ {TARGET_RSS_MB:.0f} MB",
                    got["rss_peak_mb"] <= TARGET_RSS_MB,
                )
            )
    ctx.sandbox.set_latency(0)
    return rows
