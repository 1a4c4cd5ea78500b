"""Interleaved timing of several ways to make the same call, and the figures drawn from it.

Pure functions (no Django), so the arithmetic behind the peer comparison is tested on its own
(tests/bench/test_pairs.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from bench.common import percentile

T = TypeVar("T")


def _williams(n: int) -> list[list[int]]:
    """A Williams design: n orders of range(n) (2n when n is odd) in which each item takes each
    position equally often and comes right after each other item equally often."""
    first, low, high = [0], 1, n - 1
    for j in range(1, n):
        if j % 2:
            first.append(low)
            low += 1
        else:
            first.append(high)
            high -= 1
    rows = [[(x + i) % n for x in first] for i in range(n)]
    return rows + [row[::-1] for row in rows] if n % 2 else rows


def order(round_no: int, kinds: Sequence[T]) -> list[T]:
    """The kinds in the order round `round_no` times them.

    Over a cycle of rounds each kind is timed in every position equally often, and right after
    each of the others equally often: a call that leaves work behind (a background thread,
    garbage to collect) then slows every other kind alike instead of always the same
    neighbour, and the paired differences stay fair.
    """
    if not kinds:
        return []
    rows = _williams(len(kinds))
    return [kinds[j] for j in rows[round_no % len(rows)]]


def interleave(
    calls: Mapping[str, Mapping[str, Callable[[], float]]], runs: int, warmup: int = 0
) -> dict[str, list[dict[str, float]]]:
    """Per target, one {kind: ms} record per round; every target and kind in every round.

    `calls[target][kind]` makes one call and returns its duration in ms (timed where the call
    runs: in another process the IPC round trip stays out). Targets take turns within a
    round; the first `warmup` rounds are made and thrown away.
    """
    out: dict[str, list[dict[str, float]]] = {target: [] for target in calls}
    for i in range(warmup + runs):
        for target, kinds in calls.items():
            record = {kind: kinds[kind]() for kind in order(i, list(kinds))}
            if i >= warmup:
                out[target].append(record)
    return out


def differences(records: Sequence[Mapping[str, float]], kind: str, base: str) -> list[float]:
    """`kind` minus `base` within each round: the pairing that lets noise cancel."""
    return [r[kind] - r[base] for r in records]


def p50_p95(samples: Sequence[float]) -> tuple[float, float]:
    values = list(samples)
    return percentile(values, 50), percentile(values, 95)


def ratio(ours: float, theirs: float) -> float:
    """ours / theirs; infinite when theirs is not above zero (nothing to be a fraction of)."""
    return ours / theirs if theirs > 0 else math.inf


def at_most(ours: tuple[float, float], theirs: tuple[float, float]) -> bool:
    """Ratio ≤ 1.0 at p50 and p95, decided without dividing (robust to a zero or negative)."""
    return ours[0] <= theirs[0] and ours[1] <= theirs[1]
