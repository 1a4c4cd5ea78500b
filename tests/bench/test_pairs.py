"""The arithmetic of the peer comparison: call order, paired differences, the ratio."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

import pytest

from bench.pairs import at_most, differences, interleave, order, p50_p95, ratio

KINDS = ["ours", "litellm", "direct"]


@pytest.mark.parametrize("kinds", [KINDS, [*KINDS, "sdk-in-peer"], list("abcde")])
def test_it_times_every_kind_in_every_position_equally_often(kinds):
    cycle = 2 * len(kinds)  # a whole number of cycles, odd or even
    rounds = [order(i, kinds) for i in range(cycle)]
    assert all(sorted(r) == sorted(kinds) for r in rounds)
    for position in range(len(kinds)):
        counts = Counter(r[position] for r in rounds)
        assert set(counts.values()) == {cycle // len(kinds)}


@pytest.mark.parametrize("kinds", [KINDS, [*KINDS, "sdk-in-peer"], list("abcde")])
def test_it_lets_each_kind_follow_each_other_kind_equally_often(kinds):
    rounds = [order(i, kinds) for i in range(2 * len(kinds))]
    follows = Counter(pair for r in rounds for pair in pairwise(r))
    assert len(follows) == len(kinds) * (len(kinds) - 1)
    assert len(set(follows.values())) == 1


def test_it_pairs_differences_within_rounds_and_drops_the_warmup():
    clock = iter(range(1, 1000))
    calls = {"generic": {kind: (lambda: float(next(clock))) for kind in KINDS}}
    records = interleave(calls, runs=4, warmup=2)["generic"]
    assert len(records) == 4
    assert all(set(r) == set(KINDS) for r in records)
    assert min(min(r.values()) for r in records) == 7  # the warm-up's six calls are gone
    made = {kind: [r[kind] for r in records] for kind in KINDS}
    assert differences(records, "ours", "direct") == [
        o - d for o, d in zip(made["ours"], made["direct"], strict=True)
    ]


def test_it_takes_p50_and_p95_of_the_differences():
    assert p50_p95([float(x) for x in range(1, 102)]) == (51.0, 96.0)


def test_the_ratio_is_ours_over_theirs_and_the_verdict_needs_both_percentiles():
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(1.0, 0.0) == math.inf
    assert at_most((1.0, 2.0), (1.0, 2.5))
    assert not at_most((1.0, 3.0), (1.5, 2.5))
    assert not at_most((0.5, 1.0), (-0.1, 2.0))  # LiteLLM adding nothing is not beaten by 0.5
