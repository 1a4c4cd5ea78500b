"""Guards that each used to survive a mutation of the code they protect:

- a configuration model dropped from the audited set;
- the page cap of a log raised past 500 rows;
- a connection saved without a required setting, by one of its doors.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from auditlog.models import AuditEvent
from auditlog.services import AUDITED_MODELS
from console.services.config_io import ConfigDocumentError, import_document
from core.audit import AuditAction
from monitoring.models import AlertRule, Channel
from providers.choices import IntegrationMode, ProviderKind
from providers.models import Connection, HealthCheck, ModelVersion, Provider
from providers.outbound.models import OutboundRequest
from providers.specs import SPECS
from skills.models import (
    Agent,
    AgentRun,
    Budget,
    DataPattern,
    GuardrailSetting,
    Invocation,
    PrivacyPolicy,
    ProviderAllowance,
    RateLimitRule,
    Skill,
    VersionOverride,
)
from tests.providers.spec_cases import EXTRA_HOSTS, base_item, form_data

pytestmark = pytest.mark.django_db

# -- the audited set -------------------------------------------------------------------------------

EXPECTED_AUDITED = {
    "providers.Provider",
    "providers.Connection",
    "providers.ModelVersion",
    "providers.ModelAlias",
    "providers.AliasMapping",
    "skills.Skill",
    "skills.SkillVariant",
    "skills.ModelProviderPolicy",
    "skills.VersionOverride",
    "skills.RateLimitRule",
    "skills.ModelPrice",
    "skills.Agent",
    "skills.AgentTool",
    "skills.GuardrailSetting",
    "skills.DataPattern",
    "skills.PrivacyPolicy",
    "skills.ProviderAllowance",
    "skills.Budget",
    "monitoring.AlertRule",
    "monitoring.Channel",
}
# Every other model of the apps below, and why its rows are not configuration changes.
NOT_AUDITED = {
    "providers.OutboundRequest": "evidence of calls: the outbound log itself",
    "providers.HealthCheck": "results of health checks and connection tests",
    "skills.Invocation": "runs: the generative AI log",
    "skills.AgentRun": "runs of agents",
    "skills.AgentStep": "steps of agent runs",
    "skills.UsageDaily": "totals rolled up from runs",
    "skills.ConfigGeneration": "a counter every configuration save bumps",
    "skills.Record": "sample records the skills and agents' tools read",
    "auditlog.AuditEvent": "the audit trail itself",
    "skills.BudgetUsage": "budget counters that calls move",
    "skills.BudgetReservation": "what running calls hold against a budget",
    "monitoring.Incident": "what the alert rules found: opened and resolved by evaluation",
    "monitoring.Notification": "the record of each notification sent",
}
# A field of each audited model that an administrator may change, and a new value for it.
CHANGES: dict[str, tuple[str, Any]] = {
    "providers.Provider": ("description", "changed for the audit test"),
    "providers.Connection": ("description", "changed for the audit test"),
    "providers.ModelVersion": ("label", "Changed label"),
    "providers.ModelAlias": ("description", "changed for the audit test"),
    "providers.AliasMapping": ("is_active", None),  # None: flip the flag
    "skills.Skill": ("description", "changed for the audit test"),
    "skills.SkillVariant": ("notes", "changed for the audit test"),
    "skills.ModelProviderPolicy": ("is_active", None),
    "skills.VersionOverride": ("reason", "changed for the audit test"),
    "skills.RateLimitRule": ("requests_per_hour", 1234),
    "skills.ModelPrice": ("currency", "EUR"),
    "skills.Agent": ("instructions", "changed for the audit test"),
    "skills.AgentTool": ("description", "changed for the audit test"),
    "skills.GuardrailSetting": ("mode", "block"),
    "skills.DataPattern": ("label", "Changed label"),
    "skills.PrivacyPolicy": ("is_active", None),
    "skills.ProviderAllowance": ("is_active", None),
    "skills.Budget": ("soft_percent", 55),
    "monitoring.AlertRule": ("is_active", None),
    "monitoring.Channel": ("email_to", "ops@example.com"),
}


def test_the_audited_set_is_exactly_the_configuration() -> None:
    assert set(AUDITED_MODELS) == EXPECTED_AUDITED
    assert len(AUDITED_MODELS) == len(EXPECTED_AUDITED)


def test_every_model_is_either_audited_or_said_why_not() -> None:
    """A new model must be placed: audited, or listed above with its reason."""
    labels = {
        m._meta.label
        for app in ("core", "providers", "skills", "auditlog", "monitoring")
        for m in apps.get_app_config(app).get_models()
    }
    assert labels == EXPECTED_AUDITED | set(NOT_AUDITED)
    assert not EXPECTED_AUDITED & set(NOT_AUDITED)


def _one_row(label: str) -> models.Model:
    model = apps.get_model(label)
    row = model.objects.order_by("pk").first()
    if row is not None:
        return row
    if model is VersionOverride:
        return VersionOverride.objects.create(
            scope="skill",
            skill=Skill.objects.order_by("pk").first(),
            model_version=ModelVersion.objects.order_by("pk").first(),
        )
    if model is RateLimitRule:
        return RateLimitRule.objects.create(
            resource="all", rule_type="instance", requests_per_hour=5
        )
    if model is GuardrailSetting:
        return GuardrailSetting.objects.create(scope="instance", kind="offensive", mode="log")
    if model is DataPattern:
        return DataPattern.objects.create(key="employee_id", label="Employee id", regex=r"E\d{6}")
    if model is PrivacyPolicy:
        return PrivacyPolicy.objects.create(name="Default", scope="instance", patterns=["email"])
    if model is ProviderAllowance:
        return ProviderAllowance.objects.create(
            scope="instance", provider=Provider.objects.order_by("pk").first()
        )
    if model is Budget:
        return Budget.objects.create(
            name="Instance", scope="instance", period="day", metric="cost", limit=10
        )
    if model is Channel:
        return Channel.objects.create(name="ops", kind="email", email_to="oncall@example.com")
    if model is AlertRule:
        return AlertRule.objects.create(name="down", kind="connection_down")
    raise AssertionError(f"no {label} row to change")


@pytest.mark.parametrize("label", sorted(EXPECTED_AUDITED))
def test_a_change_of_each_audited_model_is_an_audit_event(demo, label: str) -> None:
    row = _one_row(label)
    field, value = CHANGES[label]
    old = getattr(row, field)
    new = (not old) if value is None else value
    assert new != old
    setattr(row, field, new)
    row.save()
    event = AuditEvent.objects.filter(
        object_type=row._meta.label_lower, object_id=str(row.pk), action=AuditAction.UPDATE
    ).last()
    assert event is not None, label
    assert field in event.changes, event.changes


# -- the log page cap -------------------------------------------------------------------------------

CAP = 500
ROWS = CAP + 5
LOG_APIS = [
    "/api/v1/invocations/",
    "/api/v1/agent-runs/",
    "/api/v1/outbound-requests/",
    "/api/v1/audit-events/",
    "/api/v1/health-checks/",
]


@pytest.fixture
def full_logs(demo) -> None:
    """More rows than a page may hold, in every log."""
    now = timezone.now()
    skill = Skill.objects.order_by("pk").first()
    agent = Agent.objects.order_by("pk").first()
    connection = Connection.objects.order_by("pk").first()
    Invocation.objects.bulk_create(Invocation(skill=skill) for _ in range(ROWS))
    AgentRun.objects.bulk_create(AgentRun(agent=agent, goal="g") for _ in range(ROWS))
    OutboundRequest.objects.bulk_create(
        OutboundRequest(created_at=now - timedelta(seconds=i), host="h", path="/p", method="POST")
        for i in range(ROWS)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(source="api", action="update", object_type="x.y", object_id=str(i))
        for i in range(ROWS)
    )
    HealthCheck.objects.bulk_create(
        HealthCheck(connection=connection, ok=True) for _ in range(ROWS)
    )


@pytest.mark.parametrize("path", LOG_APIS)
def test_every_log_api_serves_at_most_500_rows_a_page(full_logs, client_for, path: str) -> None:
    client = client_for("admin_user")
    full = client.get(path, {"page_size": CAP})
    assert full.status_code == 200
    assert len(full.json()["results"]) == CAP
    for asked in (CAP + 1, 1000, 10**6):
        response = client.get(path, {"page_size": asked})
        if response.status_code == 200:
            assert len(response.json()["results"]) <= CAP, (path, asked)
        else:
            assert response.status_code == 400, (path, asked)


def test_the_validation_page_serves_at_most_500_rows(full_logs, admin_user) -> None:
    client = Client()
    client.force_login(admin_user)
    assert len(client.get(reverse("validation"), {"page_size": CAP}).context["rows"]) == CAP
    response = client.get(reverse("validation"), {"page_size": CAP + 1})
    assert len(response.context["rows"]) <= CAP


# -- required settings, by every door ---------------------------------------------------------------


def _required_cases() -> list[tuple[str, str]]:
    cases = []
    for kind, spec in SPECS.items():
        item = base_item(kind)
        required = list(spec.required_settings)
        for rule in spec.required_when:
            if item.get(rule.setting) == rule.value:
                required += list(rule.requires)
        cases += [(kind, name) for name in required]
        cases.append((kind, "credentials"))
    return cases


REQUIRED = _required_cases()


@pytest.fixture
def providers(db: None, settings: Any) -> dict[str, Provider]:
    settings.BYOK_ALLOWED_ENDPOINT_HOSTS = EXTRA_HOSTS
    return {
        kind: Provider.objects.update_or_create(
            kind=kind,
            defaults={
                "name": ProviderKind(kind).label,
                "integration_mode": IntegrationMode.OEM
                if kind == ProviderKind.NOW_LLM
                else IntegrationMode.BYOK,
            },
        )[0]
        for kind in ProviderKind.values
    }


def _without(kind: str, name: str) -> dict[str, Any]:
    item = copy.deepcopy(base_item(kind))
    if name == "credentials":
        item["credentials"] = {}
    else:
        item.pop(name)
    return item


def test_the_cases_cover_each_provider_s_required_settings() -> None:
    assert ("azure_openai", "endpoint") in REQUIRED
    assert ("aws_bedrock", "region") in REQUIRED
    assert {("google_gemini", n) for n in ("mode", "project", "location")} <= set(REQUIRED)
    assert {k for k, _ in REQUIRED} == set(SPECS)


@pytest.mark.parametrize(("kind", "name"), REQUIRED, ids=[f"{k}-{n}" for k, n in REQUIRED])
def test_the_model_refuses_a_missing_required_setting(providers, kind: str, name: str) -> None:
    item = _without(kind, name)
    spec = SPECS[kind]
    settings_ = {k: v for k, v in item.items() if k in spec.settings}
    settings_.update({k: v for k, v in item["credentials"].items() if k in spec.settings})
    secrets = {k: v for k, v in item["credentials"].items() if k in spec.secrets}
    connection = Connection(
        provider=providers[kind], name=item["name"], owner=item.get("owner", "customer")
    )
    for key, value in settings_.items():
        setattr(connection, key, value)
    connection.set_secrets(secrets)
    with pytest.raises(ValidationError) as refused:
        connection.full_clean()
    assert name in json.dumps(refused.value.message_dict) or name == "credentials"


@pytest.mark.parametrize(("kind", "name"), REQUIRED, ids=[f"{k}-{n}" for k, n in REQUIRED])
def test_the_api_refuses_a_missing_required_setting(
    providers, superuser, kind: str, name: str
) -> None:
    client = APIClient()
    client.force_authenticate(superuser)
    item = _without(kind, name)
    response = client.post("/api/v1/connections/", item, format="json")
    assert response.status_code == 400, response.content
    assert not Connection.objects.filter(name=item["name"]).exists()
    if name != "credentials":
        assert name in response.content.decode()


@pytest.mark.parametrize(("kind", "name"), REQUIRED, ids=[f"{k}-{n}" for k, n in REQUIRED])
def test_the_admin_refuses_a_missing_required_setting(
    providers, superuser, kind: str, name: str
) -> None:
    client = Client()
    client.force_login(superuser)
    item = _without(kind, name)
    response = client.post(
        reverse("admin:providers_connection_add"), form_data(item, providers[kind].pk)
    )
    assert response.status_code == 200  # the form again, with its errors; no redirect
    assert response.context["adminform"].form.errors
    assert not Connection.objects.filter(name=item["name"]).exists()


@pytest.mark.parametrize(("kind", "name"), REQUIRED, ids=[f"{k}-{n}" for k, n in REQUIRED])
def test_the_import_refuses_a_missing_required_setting(providers, kind: str, name: str) -> None:
    item = _without(kind, name)
    with pytest.raises(ConfigDocumentError):
        import_document({"version": 1, "connections": [item]})
    assert not Connection.objects.filter(name=item["name"]).exists()


def test_a_complete_connection_is_accepted_by_every_door(providers, superuser) -> None:
    """The refusals above are the missing setting's doing."""
    client = APIClient()
    client.force_authenticate(superuser)
    item = base_item(ProviderKind.AWS_BEDROCK)
    assert client.post("/api/v1/connections/", item, format="json").status_code == 201
    item = {**base_item(ProviderKind.AZURE_OPENAI), "name": "via-admin"}
    admin = Client()
    admin.force_login(superuser)
    response = admin.post(
        reverse("admin:providers_connection_add"),
        form_data(item, providers[ProviderKind.AZURE_OPENAI].pk),
    )
    assert response.status_code == 302
    import_document({"version": 1, "connections": [base_item(ProviderKind.GOOGLE_GEMINI)]})
    names = {"case-aws-bedrock", "via-admin", "case-google-gemini"}
    assert set(Connection.objects.filter(name__in=names).values_list("name", flat=True)) == names
