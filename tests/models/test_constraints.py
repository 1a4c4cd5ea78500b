"""The domain model makes invalid states impossible: database constraints and clean()."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from providers.choices import ConnectionOwner, GeminiMode, IntegrationMode, ProviderKind, Tier
from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider
from skills.choices import (
    OverrideScope,
    PolicyScope,
    SkillCapability,
    SkillGroup,
    VariantStatus,
)
from skills.models import ModelProviderPolicy, Skill, SkillVariant, VersionOverride

pytestmark = pytest.mark.django_db


def _provider(kind: str) -> Provider:
    mode = IntegrationMode.BYOK if kind == ProviderKind.GENERIC_LLM else IntegrationMode.OEM
    return Provider.objects.create(kind=kind, name=kind, integration_mode=mode)


def _connection(provider: Provider, name: str, owner: str = ConnectionOwner.CUSTOMER) -> Connection:
    conn = Connection(
        provider=provider, name=name, owner=owner, endpoint="https://contoso.openai.azure.com"
    )
    conn.set_secrets({"api_key": "sk-test-1234567890"})
    conn.save()
    return conn


@pytest.fixture
def azure() -> Provider:
    return _provider(ProviderKind.AZURE_OPENAI)


@pytest.fixture
def alias(azure: Provider) -> ModelAlias:
    version = ModelVersion.objects.create(provider=azure, name="gpt-4.1", label="GPT-4.1")
    return ModelAlias.objects.create(
        key="gpt_large", provider=azure, tier=Tier.LARGE, default_version=version
    )


@pytest.fixture
def skill() -> Skill:
    return Skill.objects.create(
        key="incident_summarization",
        name="Incident summarization",
        group=SkillGroup.ITSM,
        capability=SkillCapability.SUMMARIZE,
    )


def _violates(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_it_allows_one_active_mapping_per_alias(azure, alias) -> None:
    conn = _connection(azure, "contoso")
    AliasMapping.objects.create(alias=alias, connection=conn, model="gpt4o-prod")
    _violates(lambda: AliasMapping.objects.create(alias=alias, connection=conn, model="other"))
    AliasMapping.objects.create(alias=alias, connection=conn, model="old", is_active=False)


def test_it_refuses_a_mapping_to_another_providers_connection(alias) -> None:
    bedrock = _provider(ProviderKind.AWS_BEDROCK)
    conn = Connection.objects.create(provider=bedrock, name="bedrock", region="us-east-1")
    mapping = AliasMapping(alias=alias, connection=conn, model="x")
    with pytest.raises(ValidationError, match="belongs to"):
        mapping.full_clean()
    with pytest.raises(ValidationError, match="belongs to"):
        mapping.save()
    assert not AliasMapping.objects.exists()


def test_it_refuses_a_mapping_to_a_platform_connection(azure, alias) -> None:
    conn = _connection(azure, "platform-azure", owner=ConnectionOwner.PLATFORM)
    with pytest.raises(ValidationError, match="customer"):
        AliasMapping(alias=alias, connection=conn, model="x").full_clean()


def test_it_keeps_the_platform_llm_oem_only_and_the_generic_llm_byok_only() -> None:
    _violates(
        lambda: Provider.objects.create(
            kind=ProviderKind.NOW_LLM, name="n", integration_mode=IntegrationMode.BYOK
        )
    )
    _violates(
        lambda: Provider.objects.create(
            kind=ProviderKind.GENERIC_LLM, name="g", integration_mode=IntegrationMode.OEM
        )
    )


def test_it_requires_credentials_for_a_connection(azure) -> None:
    conn = Connection(provider=azure, name="nokey", endpoint="https://contoso.openai.azure.com")
    with pytest.raises(ValidationError) as exc:
        conn.full_clean()
    assert "api_key or entra_token" in str(exc.value)


def test_it_requires_project_and_location_for_vertex() -> None:
    gemini = _provider(ProviderKind.GOOGLE_GEMINI)
    conn = Connection(provider=gemini, name="vertex", mode=GeminiMode.VERTEX_AI)
    conn.set_secrets({"api_key": "express-key-123456789"})
    with pytest.raises(ValidationError) as exc:
        conn.full_clean()
    assert set(exc.value.message_dict) >= {"project", "location"}


def test_it_refuses_an_endpoint_off_the_providers_hosts(azure, settings) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = []
    conn = Connection(provider=azure, name="evil", endpoint="https://attacker.example.com")
    conn.set_secrets({"api_key": "sk-test-1234567890"})
    with pytest.raises(ValidationError, match="not a public host"):
        conn.full_clean()
    conn.endpoint = "https://169.254.169.254"
    with pytest.raises(ValidationError, match="address"):
        conn.full_clean()


def test_it_refuses_a_customer_connection_for_the_platform_llm() -> None:
    now = _provider(ProviderKind.NOW_LLM)
    conn = Connection(
        provider=now, name="x", endpoint="https://llm.example.com", owner=ConnectionOwner.CUSTOMER
    )
    conn.set_secrets({"api_key": "k" * 20})
    with pytest.raises(ValidationError, match="platform-managed"):
        conn.full_clean()


def test_it_allows_one_instance_policy_and_a_fallback_that_differs(azure, skill) -> None:
    ModelProviderPolicy.objects.create(scope=PolicyScope.INSTANCE, provider=azure)
    _violates(
        lambda: ModelProviderPolicy.objects.create(scope=PolicyScope.INSTANCE, provider=azure)
    )
    _violates(
        lambda: ModelProviderPolicy.objects.create(scope=PolicyScope.SKILL, provider=azure)
    )  # no skill
    _violates(
        lambda: ModelProviderPolicy.objects.create(
            scope=PolicyScope.SKILL, skill=skill, provider=azure, fallback_provider=azure
        )
    )


def test_it_allows_one_published_variant_per_skill_provider_and_name(azure, skill) -> None:
    SkillVariant.objects.create(skill=skill, template="{{ x }}", status=VariantStatus.PUBLISHED)
    _violates(
        lambda: SkillVariant.objects.create(
            skill=skill, version=2, template="{{ x }}", status=VariantStatus.PUBLISHED
        )
    )
    SkillVariant.objects.create(
        skill=skill, version=2, template="{{ x }}", status=VariantStatus.DRAFT
    )
    SkillVariant.objects.create(
        skill=skill, provider=azure, template="a", status=VariantStatus.PUBLISHED
    )


def test_it_requires_an_override_to_have_a_target_and_a_selectable_version(azure, skill) -> None:
    _violates(lambda: VersionOverride.objects.create(scope=OverrideScope.SKILL, skill=skill))
    _violates(
        lambda: VersionOverride.objects.create(
            scope=OverrideScope.INSTANCE, skill=skill, variant_name="x"
        )
    )
    retired = ModelVersion.objects.create(
        provider=azure, name="gpt-4o", label="GPT-4o", status="retired"
    )
    override = VersionOverride(scope=OverrideScope.SKILL, skill=skill, model_version=retired)
    with pytest.raises(ValidationError, match="cannot be chosen"):
        override.full_clean()
