"""The daily usage aggregates against the raw invocations they sum: every dimension, every
total, and p50/p95 from the latency buckets within a bucket of the exact percentiles."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from providers.choices import Route
from skills import latency
from skills.choices import InvocationStatus
from skills.models import Invocation, Skill, UsageDaily
from skills.services.invocations import create_invocation, invoke_now
from skills.services.usage import GROUP_FIELDS, roll_up_usage, usage_rows
from tests.skills.conftest import World

INPUT = {"short_description": "Printer on fire"}


def test_buckets_step_by_the_square_root_of_two_and_the_last_is_open() -> None:
    assert [latency.bucket_of(ms) for ms in (0, 0.5, 1, 2, 3, 4, 1000)] == [0, 0, 1, 3, 4, 5, 20]
    for ms in (1, 7, 99, 100, 1000, 1023, 1024, 60_000):
        bucket = latency.bucket_of(ms)
        assert latency.lower_ms(bucket) <= ms < latency.upper_ms(bucket)
        assert ms / math.sqrt(2) <= latency.estimate_ms(bucket) <= ms * math.sqrt(2)
    assert latency.bucket_of(10**9) == latency.BUCKETS - 1
    assert latency.upper_ms(latency.BUCKETS - 1) == math.inf
    assert latency.percentile_ms([0] * latency.BUCKETS, 0.5) is None


def _exact(values: list[int], q: float) -> int:
    """The nearest-rank percentile of raw values."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def _raw_sums(group: tuple[str, ...]) -> dict[tuple, dict]:
    sums: dict[tuple, dict] = defaultdict(
        lambda: {"invocations": 0, "failures": 0, "prompt": 0, "completion": 0, "cost": 0, "ms": []}
    )
    for inv in Invocation.objects.exclude(finished_at=None).exclude(model=""):
        named = {
            "day": timezone.localdate(inv.finished_at),
            "provider_id": inv.provider_id,
            "connection_id": inv.connection_id,
            "skill_id": inv.skill_id,
            "model": inv.model,
            "route": inv.route,
        }
        total = sums[tuple(named[g] for g in group)]
        total["invocations"] += 1
        total["failures"] += inv.status == InvocationStatus.FAILED
        total["prompt"] += inv.prompt_tokens
        total["completion"] += inv.completion_tokens
        total["cost"] += inv.cost
        if inv.latency_ms is not None:
            total["ms"].append(inv.latency_ms)
    return sums


def _fill(world: World, n: int, seed: int = 7) -> None:
    """`n` finished invocations spread over days, connections, skills, models and routes,
    with latencies over four decades, as `_finish` leaves them (usage pending)."""
    rng = random.Random(seed)
    other_skill = Skill.objects.create(key="other_skill", name="Other skill")
    invocations = [create_invocation(world.skill.key, INPUT, publish=False) for _ in range(n)]
    now = timezone.now()
    for i, inv in enumerate(invocations):
        byok = rng.random() < 0.6
        Invocation.objects.filter(pk=inv.pk).update(
            skill=world.skill if i % 3 else other_skill,
            status=InvocationStatus.FAILED if rng.random() < 0.2 else InvocationStatus.SUCCEEDED,
            finished_at=now - timedelta(days=rng.randrange(4), minutes=rng.randrange(60)),
            provider=world.azure if byok else world.now_llm,
            connection=world.azure_conn if byok else world.now_conn,
            route=Route.BYOK if byok else Route.OEM,
            model=rng.choice(["gpt4o-prod", "gpt-4.1-mini"]) if byok else "now-llm-large",
            prompt_tokens=rng.randrange(1, 2000),
            completion_tokens=rng.randrange(0, 800),
            cost=Decimal(rng.randrange(0, 10_000)) / 10**6,
            latency_ms=None if i % 17 == 0 else int(10 ** rng.uniform(0.5, 4.5)),
            usage_pending=True,
        )


@pytest.mark.parametrize(
    "group",
    [
        GROUP_FIELDS,
        ("day", "provider_id"),
        ("connection_id",),
        ("skill_id",),
        ("model",),
        ("route",),
        (),  # the grand total
    ],
)
def test_aggregates_equal_sums_over_the_raw_rows(world: World, group: tuple[str, ...]) -> None:
    _fill(world, 400)
    # Most rolled up in uneven batches, the rest still pending: both halves count.
    pending = list(Invocation.objects.values_list("pk", flat=True)[:90])
    Invocation.objects.filter(pk__in=pending).update(usage_pending=False)
    assert roll_up_usage(batch=37) == 310
    Invocation.objects.filter(pk__in=pending).update(usage_pending=True)
    assert UsageDaily.objects.exists()

    expected = _raw_sums(group)
    got = {tuple(row[g] for g in group): row for row in usage_rows(group)}
    assert set(got) == set(expected)
    for key, raw in expected.items():
        row = got[key]
        assert (row["invocations"], row["failures"]) == (raw["invocations"], raw["failures"])
        assert (row["prompt_tokens"], row["completion_tokens"]) == (
            raw["prompt"],
            raw["completion"],
        )
        assert row["cost"] == raw["cost"]
        buckets = [row[c] for c in latency.COLUMNS]
        assert buckets == latency.histogram(raw["ms"])
        for q in (0.5, 0.95):
            exact = _exact(raw["ms"], q)
            bucket = latency.percentile_bucket(buckets, q)
            assert bucket == latency.bucket_of(exact)
            estimate = latency.percentile_ms(buckets, q)
            assert exact / math.sqrt(2) <= estimate <= exact * math.sqrt(2) + 1


def test_day_range_and_filters_read_the_same_rows_from_totals_and_the_pending_tail(
    world: World,
) -> None:
    _fill(world, 120, seed=3)
    today = timezone.localdate()
    before = usage_rows(("route",), day_from=today - timedelta(days=1), route=Route.BYOK)
    roll_up_usage()
    after = usage_rows(("route",), day_from=today - timedelta(days=1), route=Route.BYOK)
    assert before == after
    [row] = after
    raw = Invocation.objects.filter(
        route=Route.BYOK,
        finished_at__date__gte=today - timedelta(days=1),
    )
    assert row["invocations"] == raw.count()


def test_it_refuses_an_unknown_dimension(world: World) -> None:
    with pytest.raises(ValueError, match="cannot group usage by colour"):
        usage_rows(("colour",))


def test_a_real_call_lands_in_its_connection_skill_and_latency_bucket(live_world: World) -> None:
    runs = [invoke_now(live_world.skill.key, INPUT) for _ in range(3)]
    assert all(r.status == InvocationStatus.SUCCEEDED for r in runs), runs[0].error_message
    assert roll_up_usage() == 3
    [row] = UsageDaily.objects.all()
    assert (row.connection, row.skill, row.invocations) == (
        live_world.azure_conn,
        live_world.skill,
        3,
    )
    buckets = [getattr(row, c) for c in latency.COLUMNS]
    assert buckets == latency.histogram(r.latency_ms for r in runs)
