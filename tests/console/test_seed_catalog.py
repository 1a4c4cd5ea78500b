"""seed_catalog: the out-of-box catalogue, and a second run that changes nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from auditlog.models import AuditEvent
from console.services.catalog import seed_catalog
from core.roles import Role
from providers.choices import Capability, IntegrationMode, ProviderKind, VersionStatus
from providers.models import ModelAlias, ModelVersion, Provider
from skills.choices import PolicyScope, RecordKind, ResponseFormat, ToolKind, VariantStatus
from skills.models import Agent, ModelPrice, ModelProviderPolicy, Record, Skill, SkillVariant

pytestmark = pytest.mark.django_db

SKILL_KEYS = {
    "incident_summarization",
    "resolution_notes_generation",
    "chat_summarization",
    "kb_article_generation",
    "email_recommendation",
    "change_request_summarization",
    "case_summarization",
    "code_generation",
    "sentiment_analysis",
    "generic_prompt",
}
PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for app in ("providers", "skills", "auth")
        for m in apps.get_app_config(app).get_models()
    }


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of the seeded models, all fields, so a silent update would show."""
    models = [Provider, ModelVersion, ModelAlias, Skill, SkillVariant, ModelPrice, Record, Agent]
    return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in models}


def test_it_creates_the_providers_with_their_integration_modes() -> None:
    seed_catalog()
    modes = dict(Provider.objects.values_list("kind", "integration_mode"))
    assert modes == {
        ProviderKind.AZURE_OPENAI: IntegrationMode.OEM,
        ProviderKind.AWS_BEDROCK: IntegrationMode.OEM,
        ProviderKind.GOOGLE_GEMINI: IntegrationMode.OEM,
        ProviderKind.NOW_LLM: IntegrationMode.OEM,
        ProviderKind.GENERIC_LLM: IntegrationMode.BYOK,
    }


def test_it_creates_the_alias_catalogue_with_platform_defaults() -> None:
    seed_catalog()
    defaults = dict(ModelAlias.objects.values_list("key", "default_version__name"))
    assert defaults["gpt_large"] == "gpt-4.1"
    assert defaults["gpt_small"] == "gpt-4.1-mini"
    assert defaults["claude_large"] == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert defaults["claude_small"] == "anthropic.claude-haiku-4-5-20251001-v1:0"
    assert defaults["gemini_large"] == "gemini-2.5-pro"
    assert defaults["gemini_small"] == "gemini-2.5-flash"
    assert defaults["gpt_embedding"] == "text-embedding-3-large"
    assert defaults["gemini_embedding"] == "gemini-embedding-001"
    assert {"llm_generic_large", "llm_generic_small", "now_llm_large", "now_llm_embedding"} <= set(
        defaults
    )
    for alias in ModelAlias.objects.select_related("default_version"):
        assert alias.default_version.provider_id == alias.provider_id
        assert alias.default_version.capability == alias.capability
    # the resolver finds one primary chat alias per provider and tier
    for provider in Provider.objects.all():
        for tier in ("large", "small"):
            primaries = ModelAlias.objects.filter(
                provider=provider, tier=tier, capability=Capability.CHAT, is_primary=True
            )
            assert primaries.count() == 1, (provider.kind, tier)


def test_it_creates_model_versions_with_their_status() -> None:
    seed_catalog()
    status = dict(ModelVersion.objects.values_list("name", "status"))
    assert status["gpt-4o"] == VersionStatus.DEPRECATED
    assert status["anthropic.claude-3-7-sonnet-20250219-v1:0"] == VersionStatus.RETIRING
    assert status["gemini-3-pro-preview"] == VersionStatus.ACTIVE
    assert status["custom"] == VersionStatus.ACTIVE
    assert {"gpt-5", "gpt-5.4", "anthropic.claude-sonnet-4-6", "gemini-2.5-flash-lite"} <= set(
        status
    )


def test_it_creates_skills_with_published_default_prompts_over_their_inputs() -> None:
    seed_catalog()
    assert set(Skill.objects.values_list("key", flat=True)) >= SKILL_KEYS
    for skill in Skill.objects.filter(key__in=SKILL_KEYS):
        skill.full_clean()
        names = {f["name"] for f in skill.input_fields}
        assert all({"name", "label", "required", "type"} <= set(f) for f in skill.input_fields)
        variant = SkillVariant.objects.get(skill=skill, provider=None, is_default=True)
        assert variant.status == VariantStatus.PUBLISHED
        assert variant.published_at is not None
        assert len(variant.system_prompt) > 40
        used = set(PLACEHOLDER.findall(variant.template))
        assert used <= names, skill.key  # the renderer only knows the input fields
        required = {f["name"] for f in skill.input_fields if f["required"]}
        assert required <= used, skill.key
    sentiment = SkillVariant.objects.get(skill__key="sentiment_analysis")
    assert sentiment.response_format == ResponseFormat.JSON
    assert Skill.objects.get(key="incident_summarization").record_kind == RecordKind.INCIDENT


def test_it_creates_records_agents_prices_policy_and_roles() -> None:
    seed_catalog()
    per_kind = {k: Record.objects.filter(kind=k).count() for k in RecordKind.values}
    assert per_kind[RecordKind.INCIDENT] >= 5
    assert min(per_kind.values()) >= 3
    assert Record.objects.filter(number="INC0010001").exists()
    triage = Agent.objects.get(key="incident_triage")
    assert set(triage.tools.values_list("kind", flat=True)) == {
        ToolKind.SEARCH_RECORDS,
        ToolKind.GET_RECORD,
        ToolKind.RUN_SKILL,
    }
    for tool in triage.tools.all():
        assert tool.parameters["type"] == "object"
    assert Agent.objects.get(key="kb_curator").tools.count() == 2
    price = ModelPrice.objects.get(provider__kind="azure_openai", model_pattern="gpt-4.1")
    assert (price.input_per_million, price.output_per_million) == (Decimal("2"), Decimal("8"))
    policy = ModelProviderPolicy.objects.get(scope=PolicyScope.INSTANCE)
    assert policy.provider.kind == ProviderKind.NOW_LLM
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_it_changes_nothing_on_a_second_run() -> None:
    first = seed_catalog()
    assert first.changed
    assert AuditEvent.objects.exists()  # the first run is audited like any change
    counts, rows, events = _row_counts(), _snapshot(), AuditEvent.objects.count()
    second = seed_catalog()
    assert not second.changed
    assert _row_counts() == counts
    assert _snapshot() == rows
    assert AuditEvent.objects.count() == events


def test_it_keeps_what_the_administrator_changed() -> None:
    seed_catalog()
    azure = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    azure.integration_mode = IntegrationMode.BYOK
    azure.save()
    price = ModelPrice.objects.get(model_pattern="gpt-4.1")
    price.input_per_million = Decimal("1.50")
    price.save()
    skill = Skill.objects.get(key="code_generation")
    skill.is_active = False
    skill.save()
    variant = SkillVariant.objects.get(skill=skill)
    variant.template = "Write code: {{ request }}"
    variant.save()

    assert not seed_catalog().changed

    assert Provider.objects.get(kind=ProviderKind.AZURE_OPENAI).integration_mode == "byok"
    assert ModelPrice.objects.get(model_pattern="gpt-4.1").input_per_million == Decimal("1.50")
    assert not Skill.objects.get(key="code_generation").is_active
    assert SkillVariant.objects.get(skill=skill).template == "Write code: {{ request }}"


def test_it_restores_a_catalogue_fact_that_drifted() -> None:
    seed_catalog()
    ModelVersion.objects.filter(name="gpt-4o").update(status=VersionStatus.ACTIVE)
    assert seed_catalog().changed
    assert ModelVersion.objects.get(name="gpt-4o").status == VersionStatus.DEPRECATED
