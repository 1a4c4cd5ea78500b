"""Alerts keep the platform's connections to the platform operator: a tenant administrator
cannot choose one in a rule (console or API), and a rule naming none watches only the
customer's own connections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitoring.models import AlertRule, Incident
from monitoring.services import engine
from providers.models import Connection
from tests.api.conftest import _demo_for_module, client_for, demo

__all__ = ["_demo_for_module", "client_for", "demo"]

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_tenant_admin_cannot_choose_a_platform_connection(demo, client, admin_user) -> None:
    platform = Connection.objects.get(name="platform-azure")
    client.force_login(admin_user)
    page = client.get("/alerts/rules/new/").content.decode()
    assert "platform-azure" not in page
    assert "contoso-azure" in page
    response = client.post(
        "/alerts/rules/new/",
        {
            "name": "p",
            "kind": "connection_down",
            "connection": platform.pk,
            "window_minutes": "15",
            "min_requests": "5",
        },
    )
    assert response.status_code == 400
    assert "connection" in response.context["form"].errors


def test_the_api_refuses_it_too_but_not_to_the_platform_operator(demo, client_for) -> None:
    body = {"name": "p", "kind": "connection_down", "connection": "platform-azure"}
    refused = client_for("admin_user").post("/api/v1/alert-rules/", body, format="json")
    assert refused.status_code == 400
    assert "connection" in refused.json()
    made = client_for("platform_user").post("/api/v1/alert-rules/", body, format="json")
    assert made.status_code == 201, made.content


def test_a_rule_naming_no_connection_watches_only_the_customers(demo) -> None:
    Connection.objects.update(health_status="down")
    AlertRule.objects.create(name="down", kind="connection_down")
    engine.evaluate_all(NOON)
    watched = set(Incident.objects.values_list("subject_label", flat=True))
    customer = set(
        Connection.objects.filter(owner="customer", is_active=True).values_list("name", flat=True)
    )
    assert watched == customer
    assert not any(name.startswith("platform-") for name in watched)
