"""The Alerts pages: administrators manage rules and channels, readers see them; a webhook
URL is write-only and never shown, logged or audited; bad input is a field error."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from auditlog.models import AuditEvent
from monitoring.models import AlertRule, Channel, Notification
from tests.monitoring.conftest import hook_channel, mail_channel, webhook

__all__ = ["hook_channel", "mail_channel", "webhook"]

pytestmark = pytest.mark.django_db

SECRET_PART = "s3cr3t-hook-token"


def test_an_admin_creates_a_webhook_channel_whose_url_is_never_shown(
    client, admin_user, webhook, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    response = client.post(
        "/alerts/channels/new/", {"name": "ops", "kind": "webhook", "webhook_url": webhook.url}
    )
    assert response.status_code == 302
    channel = Channel.objects.get(name="ops")
    assert channel.secrets == {"webhook_url": webhook.url}
    for url in ("/alerts/", f"/alerts/channels/{channel.pk}/", "/audit/", "/alerts/history/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert SECRET_PART not in page.content.decode(), url
    assert "Secret webhook_url" in client.get("/audit/").content.decode()  # the fact, no value
    # Saved again with the URL left blank: kept.
    client.post(
        f"/alerts/channels/{channel.pk}/", {"name": "ops", "kind": "webhook", "webhook_url": ""}
    )
    assert Channel.objects.get(pk=channel.pk).secrets == {"webhook_url": webhook.url}
    events = AuditEvent.objects.filter(object_type__icontains="channel")
    assert events.exists()
    for event in events:
        assert SECRET_PART not in str(event.changes)
    assert SECRET_PART not in caplog.text


def test_the_test_button_sends_and_reports(client, admin_user, hook_channel, webhook) -> None:
    client.force_login(admin_user)
    response = client.post(
        f"/alerts/channels/{hook_channel.pk}/test/", headers={"HX-Request": "true"}
    )
    assert "Test sent" in response.content.decode()
    assert len(webhook.bodies) == 1
    webhook.status = 404
    response = client.post(
        f"/alerts/channels/{hook_channel.pk}/test/", headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "Test failed" in page
    assert "HTTP 404" in page
    assert SECRET_PART not in page
    history = client.get("/alerts/history/").content.decode()
    assert history.count("ops-room") >= 2
    assert SECRET_PART not in history


def test_an_email_channel_test_goes_to_its_addresses(client, admin_user, mail_channel) -> None:
    client.force_login(admin_user)
    assert client.post(f"/alerts/channels/{mail_channel.pk}/test/").status_code == 302
    assert mail.outbox[0].to == ["oncall@example.com"]
    assert Notification.objects.get().status == "sent"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "webhook", "webhook_url": "http://10.0.0.5/hook"}, "webhook_url", "https"),
        ({"kind": "webhook", "webhook_url": "https://169.254.169.254/x"}, "webhook_url", "address"),
        (
            {"kind": "webhook", "webhook_url": "https://hooks.example.com:8443/x"},
            "webhook_url",
            "port",
        ),
        ({"kind": "webhook", "webhook_url": ""}, "webhook_url", "Enter the webhook URL"),
        ({"kind": "email", "email_to": "not-an-address"}, "email_to", "not an e-mail address"),
        ({"kind": "email", "email_to": ""}, "email_to", "at least one address"),
        ({"kind": "pager"}, "kind", "valid choice"),
    ],
)
def test_a_bad_channel_is_a_field_error(client, admin_user, data, field, words) -> None:
    client.force_login(admin_user)
    response = client.post("/alerts/channels/new/", {"name": "c", **data})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert words in errors
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "error_rate"}, "threshold"),
        ({"kind": "error_rate", "threshold": "150"}, "threshold"),
        ({"kind": "latency", "threshold": "-1"}, "threshold"),
        ({"kind": "credential"}, "connection"),
        ({"kind": "connection_down", "quiet_start": "22:00"}, "quiet_end"),
        ({"kind": "connection_down", "window_minutes": "0"}, "window_minutes"),
        ({"kind": "connection_down", "expires_on": "2026-02-31"}, "expires_on"),
        ({"kind": "connection_down", "threshold": "1e400"}, "threshold"),
    ],
)
def test_a_bad_rule_is_a_field_error(client, admin_user, data, field) -> None:
    client.force_login(admin_user)
    response = client.post(
        "/alerts/rules/new/", {"name": "r", "window_minutes": "15", "min_requests": "5", **data}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not AlertRule.objects.exists()


def test_an_admin_creates_a_rule_and_readers_see_it(
    client, admin_user, auditor_user, mail_channel
) -> None:
    client.force_login(admin_user)
    response = client.post(
        "/alerts/rules/new/",
        {
            "name": "slow",
            "kind": "latency",
            "threshold": "1500",
            "window_minutes": "10",
            "min_requests": "5",
            "quiet_start": "22:00",
            "quiet_end": "06:00",
            "channels": [mail_channel.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    rule = AlertRule.objects.get(name="slow")
    assert list(rule.channels.all()) == [mail_channel]
    assert AuditEvent.objects.filter(object_type__icontains="alertrule").exists()
    client.force_login(auditor_user)
    page = client.get("/alerts/").content.decode()
    assert "slow" in page
    assert "22:00\u201306:00" in page
    assert "New rule" not in page
    assert client.post(f"/alerts/rules/{rule.pk}/", {"name": "x"}).status_code == 403
    assert client.post(f"/alerts/channels/{mail_channel.pk}/test/").status_code == 403
    assert not mail.outbox


def test_a_bad_page_number_is_no_error(client, auditor_user) -> None:
    client.force_login(auditor_user)
    assert client.get("/alerts/history/", {"page": "x"}).status_code == 200
    assert client.get("/alerts/rules/999/").status_code == 403


def test_a_webhook_channel_turned_to_email_forgets_its_url(
    client, admin_user, hook_channel
) -> None:
    client.force_login(admin_user)
    response = client.post(
        f"/alerts/channels/{hook_channel.pk}/",
        {"name": "ops-room", "kind": "email", "email_to": "ops@example.com", "is_active": "on"},
    )
    assert response.status_code == 302
    hook_channel.refresh_from_db()
    assert (hook_channel.secrets, hook_channel.secret_hints) == ({}, {})
    event = AuditEvent.objects.filter(object_type="monitoring.channel").latest("id")
    assert event.changes["secrets.webhook_url"] == ["set", None]
