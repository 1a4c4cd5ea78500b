"""Latency as a log-scale histogram, so daily totals can answer p50/p95 without raw rows.

Bucket 0 holds latencies under 1 ms; bucket k ≥ 1 holds [2^((k-1)/2), 2^(k/2)) ms, a step of
√2, so a percentile read from the buckets is within a factor of √2 (±19 % around the
bucket's geometric middle) of the exact one; the last bucket is open-ended (≥ 2^17 ms,
131 s — longer than any connection timeout). Histograms of different rows add up bucket by
bucket, which is what lets `UsageDaily` rows be summed over days, providers and skills.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

BUCKETS = 36
COLUMNS: tuple[str, ...] = tuple(f"latency_{k:02d}" for k in range(BUCKETS))


def bucket_of(ms: int | float) -> int:
    """The bucket a latency in milliseconds falls in."""
    if ms < 1:
        return 0
    return min(BUCKETS - 1, math.floor(2 * math.log2(ms)) + 1)


def lower_ms(bucket: int) -> float:
    return 0.0 if bucket == 0 else 2 ** ((bucket - 1) / 2)


def upper_ms(bucket: int) -> float:
    """The bucket's exclusive upper edge (infinite for the last one)."""
    return math.inf if bucket == BUCKETS - 1 else 2 ** (bucket / 2)


def estimate_ms(bucket: int) -> int:
    """One number for a bucket: its geometric middle (its lower edge when open-ended)."""
    if bucket == 0:
        return 0
    if bucket == BUCKETS - 1:
        return round(lower_ms(bucket))
    return round(math.sqrt(lower_ms(bucket) * upper_ms(bucket)))


def histogram(latencies: Iterable[int | None]) -> list[int]:
    """Counts per bucket of the latencies given (None, a run that never called, is skipped)."""
    counts = [0] * BUCKETS
    for ms in latencies:
        if ms is not None:
            counts[bucket_of(ms)] += 1
    return counts


def percentile_bucket(counts: Sequence[int], q: float) -> int | None:
    """The bucket holding the nearest-rank `q` percentile (0 < q ≤ 1), None when empty.

    Nearest rank: the value at position ceil(q * n) of the sorted latencies, so the bucket
    found is exactly the one the raw rows' percentile falls in.
    """
    total = sum(counts)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for bucket, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return bucket
    return BUCKETS - 1  # unreachable: the last bucket brings `seen` to `total`


def percentile_ms(counts: Sequence[int], q: float) -> int | None:
    bucket = percentile_bucket(counts, q)
    return None if bucket is None else estimate_ms(bucket)
