"""A small, complete configuration (providers, aliases, connections, a skill, a policy) that
tests bend one link at a time, and the provider sandbox the real SDKs talk to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from providers.adapters import clear_cache
from providers.choices import ConnectionOwner, IntegrationMode, ProviderKind, Tier, VersionStatus
from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider
from sandbox import defaults as sandbox_defaults
from sandbox.server import SandboxServer
from skills.choices import PolicyScope, SkillCapability, SkillGroup, VariantStatus
from skills.models import ModelProviderPolicy, Skill, SkillVariant

AZURE_KEY = sandbox_defaults.AZURE_DEFAULT_KEY
NOW_KEY = sandbox_defaults.NOW_LLM_API_KEY


@dataclass
class World:
    azure: Provider
    now_llm: Provider
    gemini: Provider
    gpt_large: ModelAlias
    now_large: ModelAlias
    gemini_large: ModelAlias
    gpt41_mini: ModelVersion
    gpt4o_retired: ModelVersion
    azure_conn: Connection
    now_conn: Connection
    gemini_conn: Connection
    mapping: AliasMapping
    skill: Skill
    variant: SkillVariant
    policy: ModelProviderPolicy

    def variant_for(self, provider: Provider | None = None, **fields: Any) -> SkillVariant:
        defaults = {
            "name": "default",
            "version": 1,
            "status": VariantStatus.PUBLISHED,
            "template": "Summarize: {{ short_description }}",
            "is_default": True,
        }
        defaults.update(fields)
        return SkillVariant.objects.create(skill=self.skill, provider=provider, **defaults)


def _connection(
    provider: Provider, name: str, owner: str, endpoint: str, **secrets: str
) -> Connection:
    conn = Connection(
        provider=provider,
        name=name,
        owner=owner,
        endpoint=endpoint,
        api_version=sandbox_defaults.AZURE_API_VERSION if provider.kind == "azure_openai" else "",
        api_style="deployments" if provider.kind == "azure_openai" else "",
        mode="gemini_api" if provider.kind == "google_gemini" else "",
        timeout_seconds=5,
    )
    conn.set_secrets(secrets)
    conn.save()
    return conn


def build_world(base_url: str = "https://example.invalid") -> World:
    azure = Provider.objects.create(
        kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI", integration_mode=IntegrationMode.BYOK
    )
    now_llm = Provider.objects.create(kind=ProviderKind.NOW_LLM, name="Now LLM Service")
    gemini = Provider.objects.create(kind=ProviderKind.GOOGLE_GEMINI, name="Google Gemini")
    gpt41 = ModelVersion.objects.create(provider=azure, name="gpt-4.1", label="GPT-4.1")
    gpt41_mini = ModelVersion.objects.create(provider=azure, name="gpt-4.1-mini", label="mini")
    gpt4o_retired = ModelVersion.objects.create(
        provider=azure, name="gpt-4o-old", label="old", status=VersionStatus.RETIRED
    )
    now_v = ModelVersion.objects.create(provider=now_llm, name="now-llm-large", label="Now L")
    gem_v = ModelVersion.objects.create(provider=gemini, name="gemini-2.5-pro", label="2.5 Pro")
    gpt_large = ModelAlias.objects.create(
        key="gpt_large", provider=azure, tier=Tier.LARGE, default_version=gpt41
    )
    now_large = ModelAlias.objects.create(
        key="now_llm_large", provider=now_llm, tier=Tier.LARGE, default_version=now_v
    )
    gemini_large = ModelAlias.objects.create(
        key="gemini_large", provider=gemini, tier=Tier.LARGE, default_version=gem_v
    )
    customer, platform = ConnectionOwner.CUSTOMER, ConnectionOwner.PLATFORM
    azure_conn = _connection(azure, "contoso-azure", customer, base_url, api_key=AZURE_KEY)
    now_conn = _connection(now_llm, "platform-now", platform, base_url + "/v1", api_key=NOW_KEY)
    gemini_conn = _connection(
        gemini, "platform-gemini", platform, base_url, api_key="sandbox-gemini-key-platform-0001"
    )
    mapping = AliasMapping.objects.create(
        alias=gpt_large, connection=azure_conn, model="gpt4o-prod"
    )
    skill = Skill.objects.create(
        key="incident_summarization",
        name="Incident summarization",
        group=SkillGroup.ITSM,
        capability=SkillCapability.SUMMARIZE,
        tier=Tier.LARGE,
        record_kind="incident",
        input_fields=[
            {"name": "short_description", "required": True},
            {"name": "details", "required": False},
        ],
    )
    variant = SkillVariant.objects.create(
        skill=skill,
        name="default",
        status=VariantStatus.PUBLISHED,
        is_default=True,
        system_prompt="You summarise incidents.",
        template="Summarize incident: {{ short_description }}\n{{ details }}",
    )
    policy = ModelProviderPolicy.objects.create(scope=PolicyScope.INSTANCE, provider=azure)
    return World(
        azure=azure,
        now_llm=now_llm,
        gemini=gemini,
        gpt_large=gpt_large,
        now_large=now_large,
        gemini_large=gemini_large,
        gpt41_mini=gpt41_mini,
        gpt4o_retired=gpt4o_retired,
        azure_conn=azure_conn,
        now_conn=now_conn,
        gemini_conn=gemini_conn,
        mapping=mapping,
        skill=skill,
        variant=variant,
        policy=policy,
    )


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def live_world(db: None, sandbox: SandboxServer, settings: Any) -> Iterator[World]:
    """The world pointed at the sandbox, with short backoffs so retries take milliseconds."""
    settings.SKILLS_BACKOFF_BASE = 0.01
    settings.SKILLS_BACKOFF_CAP = 0.05
    clear_cache()
    yield build_world(sandbox.url)
    clear_cache()
    sandbox.clear_faults()


@pytest.fixture
def governed(db: None, sandbox: SandboxServer, settings: Any) -> Iterator[SandboxServer]:
    """The demo set-up against the sandbox, logging bodies (level all), for governance tests."""
    from sandbox.demo import seed_demo

    settings.SKILLS_BACKOFF_BASE = 0.01
    settings.SKILLS_BACKOFF_CAP = 0.05
    settings.OUTBOUND_LOG_LEVEL = "all"
    clear_cache()
    seed_demo(sandbox.url)
    yield sandbox
    clear_cache()
    sandbox.clear_faults()
