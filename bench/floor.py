"""The throughput floor: what Celery and the SDK alone achieve on this machine.

The same run as the throughput section — N calls in flight, sandbox latency 1 s, one
threads-pool worker of N threads on the same broker — but each task is the bare SDK call of
the benchmark skill (the overhead section's direct call): no invocation row, no resolution,
no outbound log, no result write. Completions come back on a Redis list. What this reaches
bounds any console built on this stack; the gap to the throughput section is the console's.
Needs the Redis broker (skipped on the file-system broker).
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings

from bench import cpu
from bench.common import Row
from bench.env import INPUT, Worker

LATENCY_S = 1.0
_calls: dict[str, Callable[[], object]] = {}
_lock = threading.Lock()


@functools.cache
def _redis() -> Any:
    """A redis-py client on the broker (imported here: only the Redis broker has one)."""
    import redis

    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


@shared_task(name="bench.floor_call", ignore_result=True)
def floor_call(skill_key: str, done: str) -> None:
    """One bare SDK call, then its outcome on the `done` list ("1" success, "0" error)."""
    from bench.direct import direct_call

    with _lock:  # one client per process, built once (as the console caches its adapters)
        call = _calls.get(skill_key)
        if call is None:
            call = _calls[skill_key] = direct_call(skill_key, INPUT)
    try:
        call()
        outcome = "1"
    except Exception:
        outcome = "0"
    _redis().rpush(done, outcome)


def run(ctx, in_flight: int) -> tuple[list[Row], float | None]:
    """The floor's row and its completions per second (None when skipped: no Redis broker)."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return [], None
    ctx.sandbox.set_latency(LATENCY_S * 1000)
    key, done = ctx.skills["azure_openai"], f"bench:floor:{uuid.uuid4().hex[:8]}"
    client = _redis()
    worker = Worker(concurrency=in_flight, queue=ctx.queue, include="bench.floor").start()
    print(f"  floor: {in_flight} bare SDK calls in flight …", flush=True)
    send = floor_call.s(key, done).set(queue=ctx.queue)
    try:
        send.apply_async()  # the first call builds the client (and imports the SDK)
        if client.blpop([done], timeout=60) is None:
            raise SystemExit("the floor's first call did not finish in 60 s")
        for _ in range(in_flight):
            send.apply_async()
        start = time.monotonic()
        measure_from, measure_to = start + ctx.tp_warmup, start + ctx.tp_warmup + ctx.tp_window
        completed = errors = 0
        a = b = None
        while (now := time.monotonic()) < measure_to:
            if a is None and now >= measure_from:
                a = cpu.take()
            got = client.blpop([done], timeout=1)
            if got is None:
                continue
            if measure_from <= time.monotonic() < measure_to:
                completed += 1
                errors += got[1] != b"1"
            send.apply_async()
        b = cpu.take()
    finally:
        worker.stop()
        client.delete(done)
        ctx.sandbox.set_latency(0)
    rate = completed / ctx.tp_window
    worker_ms = cpu.ticks(a, b, cpu.tree([worker.pid])) / cpu.HZ * 1000 / max(completed, 1)
    return [
        Row(
            "throughput",
            f"floor: {in_flight} in flight, 1 s latency, the bare SDK call as a Celery task "
            "(no console): completed/s, efficiency, errors, worker CPU per call",
            f"{rate:.1f}/s, {rate / (in_flight / LATENCY_S):.1%}, {errors} errors, "
            f"{worker_ms:.1f} ms",
        )
    ], rate
