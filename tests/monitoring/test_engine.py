"""Alert rules against real connections and a real webhook: an incident opens once, is told
once, recovers once; quiet periods hold notices back; each kind of rule finds what it says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from monitoring.models import Incident, Notification
from monitoring.services import engine
from providers import services
from providers.models import Provider
from providers.outbound.models import OutboundRequest
from sandbox import defaults as d
from skills.models import UsageDaily
from tests.monitoring.conftest import rule
from tests.providers.modes import BY_ID

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _down_connection(sandbox):
    """A Gemini connection whose key the sandbox refuses, checked until it is down."""
    connection = BY_ID["gemini_api"].connection(
        sandbox.url, secrets={"api_key": "wrong-gemini-key-0000000000000"}
    )
    for _ in range(services.DOWN_AFTER):
        services.run_health_check(connection)
    assert connection.health_status == "down"
    return connection


def test_it_fires_once_per_incident_and_tells_the_recovery(
    sandbox, webhook, hook_channel, mail_channel
) -> None:
    connection = _down_connection(sandbox)
    watch = rule("connection_down", hook_channel, mail_channel)
    first = engine.evaluate_all(NOON)
    again = engine.evaluate_all(NOON + timedelta(minutes=1))
    assert (first.opened, first.notified) == (1, 2)
    assert (again.opened, again.notified) == (0, 0)
    assert len(webhook.bodies) == 1
    assert connection.name in webhook.bodies[0]["text"]
    assert "is down" in webhook.bodies[0]["text"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["oncall@example.com"]
    assert watch.name in mail.outbox[0].subject

    connection.set_secrets({"api_key": d.GEMINI_API_KEY}, replace=True)
    connection.save()
    services.run_health_check(connection)
    assert connection.health_status == "healthy", connection.last_check_message
    recovered = engine.evaluate_all(NOON + timedelta(minutes=2))
    assert (recovered.resolved, recovered.notified) == (1, 2)
    assert "Recovered" in webhook.bodies[1]["text"]
    assert mail.outbox[1].subject.startswith("[BYOK Console] Resolved")
    incident = Incident.objects.get()
    assert (incident.state, incident.resolved_at) == ("resolved", NOON + timedelta(minutes=2))
    assert engine.evaluate_all(NOON + timedelta(minutes=3)).notified == 0


def test_a_quiet_period_holds_the_notice_until_it_ends(sandbox, webhook, hook_channel) -> None:
    _down_connection(sandbox)
    rule("connection_down", hook_channel, quiet_start=time(22, 0), quiet_end=time(6, 0))
    night = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert engine.evaluate_all(night).opened == 1
    assert webhook.bodies == []
    assert Incident.objects.get().notified_at is None
    morning = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    assert engine.evaluate_all(morning).notified == 1
    assert len(webhook.bodies) == 1


def test_a_recovery_in_a_quiet_period_is_recorded_as_held(sandbox, webhook, hook_channel) -> None:
    connection = _down_connection(sandbox)
    rule("connection_down", hook_channel, quiet_start=time(22, 0), quiet_end=time(6, 0))
    engine.evaluate_all(NOON)
    connection.deactivate()  # no longer watched: its incident resolves
    assert engine.evaluate_all(datetime(2026, 3, 2, 23, 0, tzinfo=UTC)).resolved == 1
    assert len(webhook.bodies) == 1
    held = Notification.objects.get(event="resolved")
    assert held.status == "held"


def _traffic(connection, count: int, *, failed: int, latency: int) -> None:
    OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=NOON - timedelta(minutes=1, seconds=i),
            provider_id=connection.provider_id,
            connection=connection,
            purpose="invocation",
            method="POST",
            host="h",
            path="/p",
            status_code=500 if i < failed else 200,
            latency_ms=latency,
        )
        for i in range(count)
    )


def test_error_rate_and_latency_rules_fire_above_their_threshold(
    sandbox, webhook, hook_channel
) -> None:
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    _traffic(connection, 10, failed=3, latency=900)
    rule("error_rate", hook_channel, name="errors-25", threshold=Decimal(25))
    rule("error_rate", hook_channel, name="errors-50", threshold=Decimal(50))
    rule("latency", hook_channel, name="slow-500", threshold=Decimal(500))
    rule("latency", hook_channel, name="slow-2000", threshold=Decimal(2000))
    rule("error_rate", hook_channel, name="few", threshold=Decimal(1), min_requests=11)
    assert engine.evaluate_all(NOON).opened == 2
    assert sorted(Incident.objects.values_list("rule__name", flat=True)) == [
        "errors-25",
        "slow-500",
    ]
    texts = " ".join(b["text"] for b in webhook.bodies)
    assert "30.0 % of 10 requests failed" in texts
    assert "average latency 900 ms" in texts
    # An hour later the window holds no traffic: both recover.
    assert engine.evaluate_all(NOON + timedelta(hours=1)).resolved == 2


def test_a_spend_rule_fires_once_a_day_s_spend_passes_it(mail_channel) -> None:
    azure = Provider.objects.create(kind="azure_openai", name="Azure OpenAI")
    rule("daily_spend", mail_channel, threshold=Decimal("10.00"))
    today = timezone.now()
    UsageDaily.objects.create(
        day=today.date(), provider=azure, model="m", route="byok", cost=Decimal("9.50")
    )
    assert engine.evaluate_all(today).opened == 0
    UsageDaily.objects.create(
        day=today.date(), provider=azure, model="n", route="byok", cost=Decimal("1.00")
    )
    assert engine.evaluate_all(today).opened == 1
    assert "10.50" in mail.outbox[0].body


def test_a_credential_rule_warns_before_expiry_and_on_a_refused_key(sandbox, mail_channel) -> None:
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    expiring = rule(
        "credential",
        mail_channel,
        connection=connection,
        expires_on=date(2026, 3, 10),
        threshold=Decimal(7),
    )
    assert engine.evaluate_all(datetime(2026, 3, 1, tzinfo=UTC)).opened == 0
    assert engine.evaluate_all(datetime(2026, 3, 4, tzinfo=UTC)).opened == 1
    assert "expires on 2026-03-10" in mail.outbox[0].body
    expiring.delete()
    rule("credential", mail_channel, name="refused", connection=connection)
    connection.set_secrets({"api_key": "wrong-gemini-key-0000000000000"}, replace=True)
    connection.save()
    services.run_health_check(connection)
    assert engine.evaluate_all(NOON).opened == 1
    assert "credential was refused" in mail.outbox[1].body


def test_test_send_reaches_the_webhook_and_records_a_failure(webhook, hook_channel) -> None:
    sent = engine.test_send(hook_channel)
    assert sent.status == "sent"
    assert webhook.bodies == [
        {
            "text": "*[BYOK Console] Test notification*\n"
            "A test from BYOK Console: channel ops-room works."
        }
    ]
    webhook.status = 500
    failed = engine.test_send(hook_channel)
    assert (failed.status, failed.error) == ("failed", "The webhook answered HTTP 500.")
    assert "s3cr3t" not in failed.error


def test_test_send_by_email(mail_channel) -> None:
    assert engine.test_send(mail_channel).status == "sent"
    assert mail.outbox[0].subject == "[BYOK Console] Test notification"


def test_switching_a_rule_off_closes_its_incidents_quietly(sandbox, webhook, hook_channel) -> None:
    _down_connection(sandbox)
    watch = rule("connection_down", hook_channel)
    engine.evaluate_all(NOON)
    watch.is_active = False
    watch.save()
    assert engine.evaluate_all(NOON + timedelta(minutes=1)).resolved == 1
    assert Incident.objects.get().state == "resolved"
    assert len(webhook.bodies) == 1  # the opening only


def test_a_stored_url_no_longer_allowed_is_not_called(webhook, hook_channel, settings) -> None:
    """The endpoint check runs again at send time: a loopback webhook allowed when saved is
    refused once its origin leaves the allowlist, and the receiver hears nothing."""
    settings.BYOK_ALLOWED_ENDPOINTS = []
    failed = engine.test_send(hook_channel)
    assert failed.status == "failed"
    assert failed.error.startswith("The webhook URL is not allowed:")
    assert "s3cr3t" not in failed.error
    assert webhook.bodies == []


def test_an_unreachable_webhook_is_a_failed_attempt(hook_channel, webhook) -> None:
    hook_channel.set_webhook_url("http://127.0.0.1:9/services/none")  # discard port: refused
    hook_channel.save()
    failed = engine.test_send(hook_channel)
    assert (failed.status, failed.error) == (
        "failed",
        "The webhook could not be reached (no connection).",
    )
