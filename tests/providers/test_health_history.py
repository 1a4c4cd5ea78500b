"""A connection's health history read back: the stretches the database picks out of the
checks equal those a walk over every check makes, and the latency per slice of the window."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone

from providers import health
from providers.models import HealthCheck
from tests.skills.conftest import build_world

pytestmark = pytest.mark.django_db


def _walk(outcomes: list[bool], failures: int) -> list[tuple[str, int]]:
    """(status, checks) per stretch, by visiting every check as `run_health_check` did."""
    found: list[tuple[str, int]] = []
    for ok in outcomes:
        failures = 0 if ok else failures + 1
        status = health._status_after(failures)
        if found and found[-1][0] == status:
            found[-1] = (status, found[-1][1] + 1)
        else:
            found.append((status, 1))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_the_stretches_read_from_changes_equal_a_walk_over_every_check(seed: int) -> None:
    rng = random.Random(seed)
    conn = build_world().azure_conn
    outcomes: list[bool] = []
    while len(outcomes) < 300:  # runs of successes and failures, long and short
        outcomes += [rng.random() < 0.5] * rng.choice([1, 1, 2, 3, 4, 9, 30])
    start = timezone.now() - timedelta(minutes=len(outcomes) * 5)
    HealthCheck.objects.bulk_create(
        HealthCheck(connection=conn, ok=ok, latency_ms=10 + i, message=f"check {i}")
        for i, ok in enumerate(outcomes)
    )
    for i, pk in enumerate(HealthCheck.objects.order_by("id").values_list("pk", flat=True)):
        HealthCheck.objects.filter(pk=pk).update(checked_at=start + timedelta(minutes=5 * i))
    HealthCheck.objects.create(connection=conn, ok=False, kind="test")  # not a health check
    cut = rng.randrange(1, 100)  # the window opens inside the history
    since = start + timedelta(minutes=5 * cut)
    before = 0
    for ok in reversed(outcomes[:cut]):
        if ok:
            break
        before += 1
    count, stretches = health._stretches(conn, since, timezone.now())
    assert count == len(outcomes) - cut
    assert [(s.status, s.checks) for s in stretches] == _walk(outcomes[cut:], before)
    assert stretches[0].start == since
    for earlier, later in pairwise(stretches):
        assert earlier.end == later.start


def test_latency_is_averaged_per_slice_of_the_window() -> None:
    conn = build_world().azure_conn
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    for hours_ago, ms in ((5, 100), (5, 300), (1, 50)):
        check = HealthCheck.objects.create(connection=conn, ok=True, latency_ms=ms)
        HealthCheck.objects.filter(pk=check.pk).update(checked_at=now - timedelta(hours=hours_ago))
    bins = health.latency_bins(conn, now - timedelta(hours=6), now, bins=6)
    assert [v for _, v in bins] == [None, 200.0, None, None, None, 50.0]
