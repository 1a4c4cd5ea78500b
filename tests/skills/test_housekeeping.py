"""Rate limits, prices and daily usage, retention and the beat schedules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from providers.outbound.models import OutboundRequest
from skills import latency
from skills.choices import InvocationStatus, RateLimitResource, RateLimitRuleType
from skills.models import Invocation, ModelPrice, RateLimitRule, UsageDaily
from skills.services.errors import RateLimitExceeded
from skills.services.invocations import create_invocation
from skills.services.retention import purge_old_records
from skills.services.schedules import SCHEDULES, ensure_schedules
from skills.services.usage import cost_of, price_for, roll_up_usage, usage_totals
from tests.skills.conftest import World

INPUT = {"short_description": "VPN flaps"}


def _create(world: World, user=None) -> Invocation:
    return create_invocation(world.skill.key, INPUT, user=user, publish=False)


def test_it_refuses_requests_past_an_instance_limit_on_the_provider(world: World, caplog) -> None:
    RateLimitRule.objects.create(
        resource=RateLimitResource.PROVIDER,
        provider=world.azure,
        rule_type=RateLimitRuleType.INSTANCE,
        requests_per_hour=2,
    )
    _create(world)
    _create(world)
    with pytest.raises(RateLimitExceeded) as exc:
        _create(world)
    assert "2 requests per hour on provider Azure OpenAI" in exc.value.message
    assert Invocation.objects.count() == 2
    assert "rate limit refused" in caplog.text


def test_it_counts_only_the_last_hour(world: World) -> None:
    RateLimitRule.objects.create(
        resource=RateLimitResource.ALL, rule_type=RateLimitRuleType.INSTANCE, requests_per_hour=1
    )
    old = _create(world)
    Invocation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    _create(world)
    with pytest.raises(RateLimitExceeded):
        _create(world)


def test_it_limits_each_user_separately(world: World, operator_user, admin_user) -> None:
    RateLimitRule.objects.create(
        resource=RateLimitResource.CAPABILITY,
        capability=world.skill.capability,
        rule_type=RateLimitRuleType.USER,
        requests_per_hour=1,
    )
    _create(world, operator_user)
    _create(world, admin_user)
    with pytest.raises(RateLimitExceeded, match="for this user"):
        _create(world, operator_user)


def test_it_ignores_rules_for_other_providers_and_inactive_rules(world: World) -> None:
    RateLimitRule.objects.create(
        resource=RateLimitResource.PROVIDER,
        provider=world.gemini,
        rule_type=RateLimitRuleType.INSTANCE,
        requests_per_hour=1,
    )
    RateLimitRule.objects.create(
        resource=RateLimitResource.ALL,
        rule_type=RateLimitRuleType.INSTANCE,
        requests_per_hour=1,
        is_active=False,
    )
    _create(world)
    _create(world)
    assert Invocation.objects.count() == 2


def test_it_prices_by_the_longest_matching_prefix(world: World) -> None:
    for pattern, price in (("gpt-4", "30"), ("gpt-4o", "2.5"), ("gpt-4o-mini", "0.15")):
        ModelPrice.objects.create(
            provider=world.azure,
            model_pattern=pattern,
            input_per_million=Decimal(price),
            output_per_million=Decimal(price) * 4,
        )
    assert price_for(world.azure, "gpt-4o-2024-11-20").model_pattern == "gpt-4o"
    assert price_for(world.azure, "gpt-4o-mini-2024-07-18").model_pattern == "gpt-4o-mini"
    assert price_for(world.azure, "my-deployment", "gpt-4.1").model_pattern == "gpt-4"
    assert price_for(world.azure, "claude") is None
    mini = price_for(world.azure, "gpt-4o-mini")
    assert cost_of(mini, 1_000_000, 500_000) == Decimal("0.450000")
    assert cost_of(None, 10, 10) == 0


def _finished(world: World, *, failed: bool = False, when=None, **values) -> Invocation:
    """A finished invocation whose usage waits for the roll-up, as `_finish` leaves it."""
    invocation = _create(world)
    fields = {
        "status": InvocationStatus.FAILED if failed else InvocationStatus.SUCCEEDED,
        "finished_at": when or timezone.now(),
        "provider": world.azure,
        "model": "gpt4o-prod",
        "route": "byok",
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "cost": Decimal("0.001"),
        "usage_pending": True,
        **values,
    }
    Invocation.objects.filter(pk=invocation.pk).update(**fields)
    return invocation


def test_it_rolls_pending_usage_up_once_and_totals_count_what_is_not_rolled_up(
    world: World,
) -> None:
    day = timezone.localdate()
    for n in range(40):
        _finished(world, failed=n % 4 == 0)
    _finished(world, when=timezone.now() - timedelta(days=1), cost=Decimal("0.5"))
    expected_today = {
        "day": day,
        "provider_id": world.azure.pk,
        "connection_id": None,
        "skill_id": world.skill.pk,
        "model": "gpt4o-prod",
        "route": "byok",
        "invocations": 40,
        "failures": 10,
        "prompt_tokens": 400,
        "completion_tokens": 200,
        "cost": Decimal("0.040000"),
        **dict.fromkeys(latency.COLUMNS, 0),  # these never called a provider
    }
    assert usage_totals(day_from=day) == [expected_today]  # all pending, counted live

    assert roll_up_usage(batch=7) == 41  # several batches
    assert roll_up_usage() == 0  # each invocation is added once
    assert not Invocation.objects.filter(usage_pending=True).exists()
    assert UsageDaily.objects.filter(day=day).count() == 1
    assert usage_totals(day_from=day) == [expected_today]

    _finished(world)  # a new one, not rolled up yet: rolled rows + the pending tail
    assert usage_totals(day_from=day)[0]["invocations"] == 41
    assert [row["day"] for row in usage_totals()] == [day, day - timedelta(days=1)]
    assert usage_totals(day_to=day - timedelta(days=1))[0]["cost"] == Decimal("0.5")
    assert usage_totals(route="oem") == []
    assert usage_totals(provider=world.azure, model__startswith="gpt4o")[0]["invocations"] == 41


def test_only_invocations_marked_pending_are_counted(world: World) -> None:
    invocation = _finished(world)
    unrouted = _create(world)  # failed before a route was chosen: nothing to count
    Invocation.objects.filter(pk=unrouted.pk).update(
        status=InvocationStatus.FAILED, finished_at=timezone.now()
    )
    assert roll_up_usage() == 1
    invocation.refresh_from_db()
    assert invocation.usage_pending is False
    assert usage_totals()[0]["invocations"] == 1


def test_it_purges_old_invocations_and_outbound_rows_in_batches(world: World, settings) -> None:
    settings.BYOK_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    old = [_create(world) for _ in range(5)]
    recent = _create(world)
    Invocation.objects.filter(pk__in=[i.pk for i in old]).update(created_at=long_ago)
    Invocation.objects.filter(pk=old[1].pk).update(
        status=InvocationStatus.SUCCEEDED,
        finished_at=long_ago,
        provider=world.azure,
        model="gpt4o-prod",
        route="byok",
        usage_pending=True,
    )
    for inv, when in ((old[0], long_ago), (recent, timezone.now())):
        OutboundRequest.objects.create(
            created_at=when,
            purpose="invocation",
            invocation_id=inv.pk,
            method="POST",
            host="h",
            path="/",
        )
    report = purge_old_records(batch=2)
    assert (report.invocations, report.outbound_requests) == (5, 1)
    assert list(Invocation.objects.values_list("pk", flat=True)) == [recent.pk]
    assert OutboundRequest.objects.get().invocation_id == recent.pk
    assert usage_totals()[0]["invocations"] == 1  # rolled up before its invocation went


def test_it_creates_the_periodic_tasks_once(db: None) -> None:
    names = {s["name"] for s in SCHEDULES}
    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= names  # by the migration
    assert ensure_schedules() == 0
    sweeper = PeriodicTask.objects.get(task="skills.sweep_invocations")
    assert sweeper.interval.every == 30
    sweeper.enabled = False
    sweeper.save()
    PeriodicTask.objects.filter(task="providers.run_health_checks").delete()
    assert ensure_schedules() == 1
    assert not PeriodicTask.objects.get(task="skills.sweep_invocations").enabled
    assert PeriodicTask.objects.get(task="providers.run_health_checks").interval.every == 300
