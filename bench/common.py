"""Shared pieces of the benchmarks: database choice, timing, percentiles, result rows."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

BENCH_DB = "byok_bench"


def pick_database() -> str:
    """DATABASE_URL if given; else a PostgreSQL bench database when one answers; else SQLite."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    ready = (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )
    if ready:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-qc",
                f"CREATE DATABASE {BENCH_DB}",
            ],
            check=False,
            capture_output=True,
        )
        return f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    return "sqlite:///var/bench/bench.sqlite3"


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_ms(fn: Callable[[], object], runs: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


@dataclass
class Row:
    section: str
    figure: str
    measured: str
    target: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        verdict = "" if self.met is None else ("yes" if self.met else "**no**")
        return [self.section, self.figure, self.measured, self.target, verdict]


def fmt_pcts(samples: list[float], pcts: tuple[int, ...] = (50, 95)) -> str:
    return " / ".join(f"{percentile(samples, p):.2f}" for p in pcts) + " ms"


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")
