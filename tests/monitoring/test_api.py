"""The alerts API: the same rules as the console (write-only webhook URL, the endpoint
check, field errors), audited writes, and readers who may look but not change."""

from __future__ import annotations

import pytest

from auditlog.models import AuditEvent
from monitoring.models import AlertRule, Channel
from tests.api.conftest import client_for
from tests.monitoring.conftest import webhook

__all__ = ["client_for", "webhook"]

pytestmark = pytest.mark.django_db

SECRET_PART = "s3cr3t-hook-token"


def test_a_webhook_channel_is_written_tested_and_never_read_back(client_for, webhook) -> None:
    api = client_for("admin_user")
    created = api.post(
        "/api/v1/alert-channels/",
        {"name": "ops-room", "kind": "webhook", "webhook_url": webhook.url},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "webhook_url" not in created.json()
    assert SECRET_PART not in created.content.decode()
    pk = created.json()["id"]
    listed = client_for("auditor_user").get("/api/v1/alert-channels/")
    assert listed.status_code == 200
    assert SECRET_PART not in listed.content.decode()
    sent = api.post(f"/api/v1/alert-channels/{pk}/test/")
    assert sent.json()["status"] == "sent"
    assert len(webhook.bodies) == 1
    # PATCH without the URL keeps it.
    patched = api.patch(f"/api/v1/alert-channels/{pk}/", {"is_active": False}, format="json")
    assert patched.status_code == 200, patched.content
    assert Channel.objects.get(pk=pk).secrets == {"webhook_url": webhook.url}
    for event in AuditEvent.objects.filter(object_type__icontains="channel"):
        assert SECRET_PART not in str(event.changes)
        assert event.source == "api"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "webhook", "webhook_url": "https://10.1.2.3/x"}, "webhook_url"),
        ({"kind": "webhook", "webhook_url": "ftp://hooks.example.com/x"}, "webhook_url"),
        ({"kind": "webhook"}, "webhook_url"),
        ({"kind": "email", "email_to": ""}, "email_to"),
        ({"kind": "sms"}, "kind"),
    ],
)
def test_a_bad_channel_is_a_field_error(client_for, body, field) -> None:
    response = client_for("admin_user").post(
        "/api/v1/alert-channels/", {"name": "c", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_a_rule_names_its_channels_and_connection(client_for, db) -> None:
    Channel.objects.create(name="oncall", kind="email", email_to="oncall@example.com")
    api = client_for("admin_user")
    created = api.post(
        "/api/v1/alert-rules/",
        {"name": "errors", "kind": "error_rate", "threshold": "20", "channels": ["oncall"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["channels"] == ["oncall"]
    assert list(AlertRule.objects.get().channels.values_list("name", flat=True)) == ["oncall"]
    refused = api.post(
        "/api/v1/alert-rules/", {"name": "cred", "kind": "credential"}, format="json"
    )
    assert refused.status_code == 400
    assert "connection" in refused.json()
    unknown = api.post(
        "/api/v1/alert-rules/",
        {"name": "x", "kind": "connection_down", "channels": ["nowhere"]},
        format="json",
    )
    assert unknown.status_code == 400
    reader = client_for("auditor_user")
    assert reader.get("/api/v1/alert-rules/").json()["results"][0]["name"] == "errors"
    assert reader.post("/api/v1/alert-rules/", {"name": "y"}, format="json").status_code == 403
    assert reader.get("/api/v1/incidents/").status_code == 200
    assert reader.get("/api/v1/notifications/").status_code == 200
