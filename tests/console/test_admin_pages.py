"""Every model has a Django admin page that renders; logs are view-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auditlog.models import AuditEvent
from core import admin as admin_bases
from monitoring.models import AlertRule, Channel, Incident, Notification
from providers.choices import ConnectionOwner, ProviderKind, Route, Tier
from providers.models import (
    AliasMapping,
    Connection,
    HealthCheck,
    ModelAlias,
    ModelVersion,
    Provider,
)
from providers.outbound.models import OutboundRequest
from skills.choices import (
    OverrideScope,
    PolicyScope,
    RateLimitResource,
    RateLimitRuleType,
    RecordKind,
    SkillCapability,
    SkillGroup,
    StepKind,
    ToolKind,
)
from skills.models import (
    Agent,
    AgentRun,
    AgentStep,
    AgentTool,
    Budget,
    BudgetReservation,
    BudgetUsage,
    ConfigGeneration,
    DataPattern,
    GuardrailSetting,
    Invocation,
    ModelPrice,
    ModelProviderPolicy,
    PrivacyPolicy,
    ProviderAllowance,
    RateLimitRule,
    Record,
    Skill,
    SkillVariant,
    UsageDaily,
    VersionOverride,
)

DOMAIN_APPS = ("providers", "skills", "auditlog", "monitoring")
READ_ONLY = (
    "providers.OutboundRequest",
    "auditlog.AuditEvent",
    "skills.Invocation",
    "skills.AgentRun",
    "skills.AgentStep",
    "providers.HealthCheck",
    "skills.UsageDaily",
    "skills.ConfigGeneration",
    "skills.BudgetUsage",
    "skills.BudgetReservation",
    "monitoring.Incident",
    "monitoring.Notification",
)
EDITABLE = (
    "providers.Provider",
    "providers.Connection",
    "providers.ModelVersion",
    "providers.ModelAlias",
    "providers.AliasMapping",
    "skills.Skill",
    "skills.SkillVariant",
    "skills.Record",
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
    "monitoring.Channel",
    "monitoring.AlertRule",
)


@pytest.fixture
def world(db: None) -> dict[str, models.Model]:
    """One saved row of every domain model."""
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    conn = Connection(
        provider=azure,
        name="contoso",
        owner=ConnectionOwner.CUSTOMER,
        endpoint="https://contoso.openai.azure.com",
    )
    conn.set_secrets({"api_key": "sk-world-secret-0000"})
    conn.save()
    version = ModelVersion.objects.create(provider=azure, name="gpt-4.1", label="GPT-4.1")
    alias = ModelAlias.objects.create(
        key="gpt_large", provider=azure, tier=Tier.LARGE, default_version=version
    )
    skill = Skill.objects.create(
        key="incident_summarization",
        name="Incident summarization",
        group=SkillGroup.ITSM,
        capability=SkillCapability.SUMMARIZE,
    )
    agent = Agent.objects.create(key="triage", name="Triage", role="r", instructions="i")
    run = AgentRun.objects.create(agent=agent, goal="g")
    rows = [
        azure,
        conn,
        version,
        alias,
        AliasMapping.objects.create(alias=alias, connection=conn, model="gpt4o-prod"),
        HealthCheck.objects.create(connection=conn, ok=True, message="fine"),
        skill,
        SkillVariant.objects.create(skill=skill, template="Summarize {{ x }}"),
        Record.objects.create(
            kind=RecordKind.INCIDENT, number="INC0001", short_description="Mail down"
        ),
        ModelProviderPolicy.objects.create(scope=PolicyScope.INSTANCE, provider=azure),
        VersionOverride.objects.create(scope=OverrideScope.INSTANCE, model_version=version),
        RateLimitRule.objects.create(
            resource=RateLimitResource.ALL,
            rule_type=RateLimitRuleType.INSTANCE,
            requests_per_hour=100,
        ),
        ModelPrice.objects.create(
            provider=azure,
            model_pattern="gpt-4.1",
            input_per_million=Decimal("2"),
            output_per_million=Decimal("8"),
        ),
        agent,
        AgentTool.objects.create(
            agent=agent, name="search", kind=ToolKind.SEARCH_RECORDS, description="d"
        ),
        Invocation.objects.create(skill=skill, resolution_trace=[{"step": "provider"}]),
        run,
        AgentStep.objects.create(run=run, index=0, kind=StepKind.MODEL_CALL),
        UsageDaily.objects.create(day=date.today(), provider=azure, model="m", route=Route.BYOK),
        ConfigGeneration.objects.get(),  # made by its migration, counted by the saves above
        OutboundRequest.objects.create(
            created_at=timezone.now(),
            provider=azure,
            connection=conn,
            purpose="invocation",
            method="POST",
            host="contoso.openai.azure.com",
            path="/openai/deployments/x/chat/completions",
            status_code=200,
        ),
    ]
    budget = Budget.objects.create(
        name="Daily", scope="instance", period="day", metric="cost", limit=Decimal(5)
    )
    usage = BudgetUsage.objects.create(budget=budget, period_start=date.today())
    rows += [
        GuardrailSetting.objects.create(scope="instance", kind="offensive", mode="log"),
        DataPattern.objects.create(key="employee_id", label="Employee id", regex=r"E\d{6}"),
        PrivacyPolicy.objects.create(name="Default", scope="instance", patterns=["email"]),
        ProviderAllowance.objects.create(scope="instance", provider=azure),
        budget,
        usage,
        BudgetReservation.objects.create(usage=usage, run_id=run.pk, amount=Decimal(1)),
    ]
    channel = Channel(name="ops-room", kind="webhook")
    channel.set_webhook_url("https://hooks.example.com/services/T0/B0/world-hook-secret")
    channel.save()
    alert_rule = AlertRule.objects.create(name="down", kind="connection_down")
    alert_rule.channels.add(channel)
    incident = Incident.objects.create(
        rule=alert_rule,
        subject="connection:1",
        subject_label="contoso",
        message="down",
        opened_at=timezone.now(),
    )
    rows += [
        channel,
        alert_rule,
        incident,
        Notification.objects.create(
            incident=incident,
            channel=channel,
            channel_name="ops-room",
            event="opened",
            status="sent",
            text="down",
        ),
    ]
    rows.append(AuditEvent.objects.order_by("id").first())
    return {row._meta.label: row for row in rows}


@pytest.fixture
def su_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def _url(label: str, view: str, *args: object) -> str:
    model = apps.get_model(label)
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_it_registers_every_domain_model() -> None:
    for app in DOMAIN_APPS:
        for model in apps.get_app_config(app).get_models():
            assert model in admin.site._registry, f"{model._meta.label} has no admin"
    assert set(READ_ONLY) | set(EDITABLE) == {
        m._meta.label for app in DOMAIN_APPS for m in apps.get_app_config(app).get_models()
    }


@pytest.mark.parametrize("label", EDITABLE + READ_ONLY)
def test_it_renders_the_changelist_and_change_page(su_client: Client, world, label) -> None:
    obj = world[label]
    assert su_client.get(_url(label, "changelist")).status_code == 200
    assert su_client.get(_url(label, "changelist"), {"q": "x"}).status_code == 200
    page = su_client.get(_url(label, "change", obj.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is (label in EDITABLE)


@pytest.mark.parametrize("label", EDITABLE)
def test_it_renders_the_add_page(su_client: Client, world, label) -> None:
    assert su_client.get(_url(label, "add")).status_code == 200


@pytest.mark.parametrize("label", READ_ONLY)
def test_it_refuses_to_add_change_or_delete_logs(su_client: Client, world, label) -> None:
    obj = world[label]
    model = type(obj)
    assert su_client.get(_url(label, "add")).status_code == 403
    assert su_client.post(_url(label, "add"), {}).status_code == 403
    assert su_client.post(_url(label, "change", obj.pk), {}).status_code == 403
    assert su_client.get(_url(label, "delete", obj.pk)).status_code == 403
    assert su_client.post(_url(label, "delete", obj.pk), {"post": "yes"}).status_code == 403
    changelist = su_client.get(_url(label, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()


def test_it_filters_the_outbound_log_without_counting_it_all(su_client: Client, world) -> None:
    url = _url("providers.OutboundRequest", "changelist")
    hit = su_client.get(url, {"within": "24h", "status_class": "2xx", "route": ""})
    assert hit.status_code == 200
    assert hit.context["cl"].result_count == 1
    assert hit.context["cl"].show_full_result_count is False
    miss = su_client.get(url, {"status_class": "5xx"})
    assert miss.context["cl"].result_count == 0
    by_host = su_client.get(url, {"q": "contoso.openai.azure.com"})
    assert by_host.context["cl"].result_count == 1
    assert su_client.get(url, {"q": "contoso"}).context["cl"].result_count == 0  # exact only


def test_it_keeps_the_django_admin_for_superusers_only(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("admin:providers_connection_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_stops_counting_the_outbound_log_at_the_cap(
    su_client: Client, world, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin_bases, "COUNT_CAP", 2)
    for _ in range(3):
        OutboundRequest.objects.create(
            created_at=timezone.now(), purpose="invocation", method="POST", host="h", path="/"
        )
    cl = su_client.get(_url("providers.OutboundRequest", "changelist")).context["cl"]
    assert cl.result_count == 2
    assert OutboundRequest.objects.count() == 4


def test_it_audits_catalogue_edits_made_in_the_admin(
    su_client: Client, world, superuser: User
) -> None:
    price = world["skills.ModelPrice"]
    data = {
        "provider": price.provider_id,
        "model_pattern": "gpt-4.1",
        "input_per_million": "2.5",
        "output_per_million": "8",
        "currency": "USD",
    }
    assert su_client.post(_url("skills.ModelPrice", "change", price.pk), data).status_code == 302
    tool = world["skills.AgentTool"]
    url = _url("skills.AgentTool", "delete", tool.pk)
    assert su_client.post(url, {"post": "yes"}).status_code == 302
    update = AuditEvent.objects.get(object_type="skills.modelprice", action="update")
    assert (update.source, update.actor) == ("admin", superuser)
    assert update.changes == {"input_per_million": ["2.0000", "2.5000"]}
    delete = AuditEvent.objects.get(object_type="skills.agenttool", action="delete")
    assert delete.changes["name"] == ["search", None]
    assert delete.object_repr == "triage.search"
