"""Throughput under provider latency, and the worker's memory at the highest load.

Sandbox latency 1 s. A closed loop keeps N invocations in flight through the Celery path
(`create_invocation` → broker → a threads-pool worker of N threads): whenever the caller
sees rows finish it creates as many new ones. Completions are counted over a window that
starts after a warm-up; end-to-end latency is `finished_at - created_at` of each row (both
wall-clock stamps on this machine, so the caller's polling interval does not inflate it).
Memory is the worker's peak RSS (VmHWM of the worker and its children, from /proc).

CPU per completed invocation splits the machine's busy time over the same window (snapshots of
/proc at its start and end, `bench.cpu`) between the worker(s), the caller (this process), the
sandbox, PostgreSQL, Redis and everything else, so a missed target can be put down to what
the CPU went to rather than guessed: the stack's CPU per call bounds completions at
cores x 1000 / (ms per call) per second.

Targets, at 200 in flight: completions ≥ 90 % of the floor's (`bench.floor`: the bare SDK
call as a Celery task, same load, same run) with 0 errors, and worker CPU ≤ 6 ms per
completed invocation; worker peak RSS ≤ 250 MB.
"""

from __future__ import annotations

import os
import time

from django.db import DatabaseError
from django.db import connection as db_connection

from bench import cpu, floor
from bench.common import Row, percentile
from bench.env import INPUT, Sandbox, Worker, rss_kb
from skills.choices import TERMINAL_STATUSES, InvocationStatus, Source
from skills.models import Invocation
from skills.services.invocations import create_invocation

LATENCY_S = 1.0
LEVELS = (50, 100, 200)
TARGET_LEVEL = max(LEVELS)  # calls in flight at which the targets hold
TARGET_OF_FLOOR = 0.90
TARGET_WORKER_CPU_MS = 6.0
TARGET_RSS_MB = 250.0
# VmRSS between VmHWM readings only matters for worker children that exit before the end; a
# reading walks every thread of the worker, which cost the caller 1-2 ms of CPU per completed
# invocation at 200 in flight when it ran on every poll, on the cores the worker needs.
RSS_EVERY_S = 0.5


def _rss(workers: list[Worker]) -> tuple[int, int]:
    both = [rss_kb(w.pid) for w in workers]
    return sum(b[0] for b in both), sum(b[1] for b in both)


class _Spent:
    """The caller's main-thread CPU per activity, inside the window: the caller is the bench
    process, so it shows how much of its CPU is the console's `create_invocation` and how much
    the harness's own polling."""

    def __init__(self) -> None:
        self.by: dict[str, float] = {}
        self.on = False
        self._last = time.thread_time()

    def mark(self, activity: str) -> None:
        """Charge the CPU since the previous mark to `activity`."""
        now = time.thread_time()
        if self.on:
            self.by[activity] = self.by.get(activity, 0.0) + now - self._last
        self._last = now


def _drive(key: str, in_flight: int, warmup: float, window: float, workers: list[Worker]) -> dict:
    outstanding: set = set()
    done_in_window = 0
    errors = 0
    latencies: list[float] = []
    peak_rss = 0
    rss_at = 0.0
    caller_errors = 0
    last_error = ""
    start = time.monotonic()
    measure_from, measure_to = start + warmup, start + warmup + window
    cpu_from: cpu.Snapshot | None = None
    spent = _Spent()
    while True:
        now = time.monotonic()
        if now >= measure_to:
            cpu_to = cpu.take()
            break
        if cpu_from is None and now >= measure_from:
            cpu_from = cpu.take()  # completions count from here, so CPU and count share a window
            measure_from = cpu_from.at
            spent.on = True
            spent.mark("")
        try:
            while len(outstanding) < in_flight:
                outstanding.add(create_invocation(key, INPUT, source=Source.API).pk)
            spent.mark("create")
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
        spent.mark("poll")
        if now - rss_at >= RSS_EVERY_S:
            peak_rss, rss_at = max(peak_rss, _rss(workers)[1]), now
            spent.mark("RSS sampling")
        db_connection.close()  # the caller holds no connection while it sleeps
        spent.mark("poll")
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
        "completed": done_in_window,
        "caller_spent": spent.by,
        "cpu": (cpu_from or cpu_to, cpu_to),
    }


def _cpu_groups(workers: list[Worker], sandbox: Sandbox) -> dict[str, cpu.Group]:
    return {
        "worker": cpu.tree(w.pid for w in workers),
        "caller": cpu.only(os.getpid()),
        "sandbox": cpu.tree([sandbox.pid]),
        "PostgreSQL": cpu.named("postgres"),
        "Redis": cpu.named("redis-server"),
    }


SATURATED = 0.9  # of one core (a worker process) or of all cores (the machine)


def _bound(share: float, busy: float) -> str:
    """A worker process near 100 % of one core (all its threads together) is bound by one core,
    i.e. by the GIL; well under it while the machine is near 100 % of its cores, by the cores."""
    if share >= SATURATED:
        return "one-core (GIL) bound"
    return "cores saturated" if busy >= SATURATED else "neither one core nor the cores saturated"


def _cpu_row(n: int, got: dict, workers: list[Worker], sandbox: Sandbox) -> tuple[Row, float]:
    """CPU per completed invocation per group; with the rest of the machine, they add up to
    its busy time (the part no process accounts for is shown). Also the worker's ms alone."""
    a, b = got["cpu"]
    acc = cpu.account(a, b, _cpu_groups(workers, sandbox))
    done = max(got["completed"], 1)
    cores = os.cpu_count() or 1

    def ms(seconds: float) -> str:
        return f"{seconds * 1000 / done:.1f}"

    g = acc.groups
    pg_other = cpu.ticks(a, b, cpu.pg_backends_not_of(db_connection.settings_dict["NAME"])) / cpu.HZ
    # The bench's stack, less what PostgreSQL visibly did for other databases (other work).
    stack = max((sum(g.values()) - pg_other) * 1000 / done, 1e-9)
    shares = [cpu.own_share(a, b, w.pid) for w in workers]
    mains = ", ".join(f"{x:.0%}" for x in shares) + f" of one core: {_bound(max(shares), acc.busy)}"
    split = ", ".join(f"{k} {ms(v)}" for k, v in got["caller_spent"].items() if k)
    largest = ", ".join(f"{name} {ms(sec)}" for name, sec in acc.other_top if sec > 0) or "none"
    row = Row(
        "throughput",
        f"{n} in flight: CPU per completed invocation, same window "
        f"({got['completed']} completed in {acc.seconds:.1f} s)",
        f"worker {ms(g['worker'])} ms (main process at {mains}), "
        f"caller {ms(g['caller'])} ms (main thread: {split}), sandbox {ms(g['sandbox'])} ms, "
        f"PostgreSQL {ms(g['PostgreSQL'])} ms (of which ≥ {ms(pg_other)} other "
        f"databases' backends), Redis {ms(g['Redis'])} ms, other processes {ms(acc.other)} ms "
        f"(largest: {largest}), in no process {ms(acc.residual)} ms; "
        f"sum = machine busy {ms(acc.busy_s)} ms (irq/softirq {ms(acc.irq)}), "
        f"{acc.busy:.0%} of {cores} cores "
        f"(steal {acc.steal:.0%}); ceiling at the stack's {stack:.1f} ms (worker to Redis, "
        f"less other databases) = "
        f"{cores} x 1000 / {stack:.1f} = {cores * 1000 / stack:.0f}/s",
    )
    return row, g["worker"] * 1000 / done


def _judge(row: Row, got: dict, floor_rate: float | None) -> None:
    """The target row at TARGET_LEVEL, against the floor measured in the same run."""
    clean = got["errors"] + got["caller_errors"] == 0
    row.target = f"≥ {TARGET_OF_FLOOR * 100:.0f} % of the Celery + SDK floor, 0 errors"
    if floor_rate is None:
        row.measured += "; floor not measured (it needs the Redis broker)"
        row.met = None if clean else False
        return
    share = got["completed_per_s"] / floor_rate if floor_rate > 0 else 0.0
    row.measured += f"; {share:.1%} of the floor's {floor_rate:.1f}/s"
    row.met = share >= TARGET_OF_FLOOR and clean


def run(ctx, memory_only: bool = False) -> list[Row]:
    ctx.sandbox.set_latency(LATENCY_S * 1000)
    levels = ctx.levels
    key = ctx.skills["azure_openai"]
    rows: list[Row] = []
    judged: tuple[Row, dict] | None = None  # the target level's row, judged after the floor
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
            row = Row(
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
                met=None if got["errors"] == 0 else False,
            )
            rows.append(row)
            cpu_row, worker_ms = _cpu_row(n, got, workers, ctx.sandbox)
            rows.append(cpu_row)
            if n == TARGET_LEVEL:
                # The floor runs at the highest level: compare with it only at that level.
                if n == max(levels):
                    judged = (row, got)
                rows.append(
                    Row(
                        "throughput",
                        f"{n} in flight: worker CPU per completed invocation "
                        "(all worker processes, same window)",
                        f"{worker_ms:.1f} ms",
                        f"≤ {TARGET_WORKER_CPU_MS:g} ms",
                        worker_ms <= TARGET_WORKER_CPU_MS,
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
    if not memory_only:
        floor_rows, floor_rate = floor.run(ctx, max(levels))
        if judged is not None:
            _judge(*judged, floor_rate)
        rows += floor_rows
    ctx.sandbox.set_latency(0)
    return rows
