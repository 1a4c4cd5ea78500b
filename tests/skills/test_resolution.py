"""Resolution: every combination of route, policy scope, override and fallback, and every broken
link (with the page that fixes it). Database rows only; nothing is sent anywhere."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from providers.choices import ConnectionOwner, IntegrationMode, Route
from providers.models import Connection
from skills.choices import OverrideScope, PolicyScope, SkillGroup, VariantStatus
from skills.models import ModelProviderPolicy, SkillVariant, VersionOverride
from skills.services.errors import ResolutionError
from skills.services.resolution import resolve
from tests.skills.conftest import World


def _steps(trace: list[dict]) -> dict[str, str]:
    return {entry["step"]: entry["value"] for entry in trace}


def _broken(world: World) -> ResolutionError:
    with pytest.raises(ResolutionError) as exc:
        resolve(world.skill)
    return exc.value


def test_it_resolves_byok_through_the_alias_mapping(world: World) -> None:
    res = resolve(world.skill)
    assert (res.route, res.connection, res.model) == (Route.BYOK, world.azure_conn, "gpt4o-prod")
    assert res.alias == world.gpt_large
    assert res.variant == world.variant
    steps = _steps(res.trace)
    assert steps["provider"] == "azure_openai"
    assert steps["alias"] == "gpt_large"
    assert steps["route"] == "byok"
    assert steps["connection"] == "contoso-azure"
    assert all(set(e) == {"step", "value", "reason"} for e in res.trace)
    assert "instance default" in res.trace[1]["reason"]


def test_it_resolves_oem_to_the_platform_connection_and_alias_default(world: World) -> None:
    world.azure.integration_mode = IntegrationMode.OEM
    world.azure.save()
    platform = Connection.objects.create(
        provider=world.azure, name="platform-azure", owner=ConnectionOwner.PLATFORM
    )
    res = resolve(world.skill)
    assert (res.route, res.connection, res.model) == (Route.OEM, platform, "gpt-4.1")


def test_it_prefers_the_skill_policy_over_group_and_instance(world: World) -> None:
    ModelProviderPolicy.objects.create(
        scope=PolicyScope.SKILL_GROUP, skill_group=SkillGroup.ITSM, provider=world.now_llm
    )
    assert resolve(world.skill).provider == world.now_llm
    ModelProviderPolicy.objects.create(
        scope=PolicyScope.SKILL, skill=world.skill, provider=world.gemini
    )
    res = resolve(world.skill)
    assert (res.provider, res.connection, res.model) == (
        world.gemini,
        world.gemini_conn,
        "gemini-2.5-pro",
    )
    assert "skill customisation" in _reason(res.trace, "provider")


def test_it_uses_the_group_policy_before_the_instance_default(world: World) -> None:
    ModelProviderPolicy.objects.create(
        scope=PolicyScope.SKILL_GROUP, skill_group=SkillGroup.ITSM, provider=world.now_llm
    )
    res = resolve(world.skill)
    assert (res.route, res.connection, res.model) == (Route.OEM, world.now_conn, "now-llm-large")
    assert "skill group itsm" in _reason(res.trace, "provider")


def _reason(trace: list[dict], step: str) -> str:
    return next(e["reason"] for e in trace if e["step"] == step)


def test_it_applies_a_model_version_override_on_the_oem_route(world: World) -> None:
    world.azure.integration_mode = IntegrationMode.OEM
    world.azure.save()
    Connection.objects.create(provider=world.azure, name="plat-az", owner=ConnectionOwner.PLATFORM)
    VersionOverride.objects.create(
        scope=OverrideScope.SKILL, skill=world.skill, model_version=world.gpt41_mini
    )
    res = resolve(world.skill)
    assert res.model == "gpt-4.1-mini"
    assert "override" in _reason(res.trace, "model")


def test_it_ignores_an_override_version_of_another_provider(world: World) -> None:
    ModelProviderPolicy.objects.filter(scope=PolicyScope.INSTANCE).update(provider=world.gemini)
    VersionOverride.objects.create(scope=OverrideScope.INSTANCE, model_version=world.gpt41_mini)
    res = resolve(world.skill)
    assert res.model == "gemini-2.5-pro"
    assert "belongs to Azure OpenAI" in _reason(res.trace, "model_override")


def test_it_keeps_the_mapped_model_on_byok_despite_a_version_override(world: World) -> None:
    VersionOverride.objects.create(
        scope=OverrideScope.SKILL, skill=world.skill, model_version=world.gpt41_mini
    )
    res = resolve(world.skill)
    assert res.model == "gpt4o-prod"
    assert "not applied" in _reason(res.trace, "model_override")


def test_it_picks_the_override_variant_most_specific_first(world: World) -> None:
    concise = world.variant_for(name="concise", is_default=False, template="Short: {{ details }}")
    azure_only = world.variant_for(world.azure, name="azure-v", is_default=False)
    VersionOverride.objects.create(scope=OverrideScope.INSTANCE, variant_name="concise")
    assert resolve(world.skill).variant == concise
    VersionOverride.objects.create(
        scope=OverrideScope.SKILL, skill=world.skill, provider=world.azure, variant_name="azure-v"
    )
    res = resolve(world.skill)
    assert res.variant == azure_only
    assert f"skill {world.skill.key} + azure_openai" in _reason(res.trace, "variant")


def test_it_prefers_the_providers_own_default_variant(world: World) -> None:
    own = world.variant_for(world.azure, name="default")
    assert resolve(world.skill).variant == own
    ModelProviderPolicy.objects.filter(scope=PolicyScope.INSTANCE).update(provider=world.gemini)
    assert resolve(world.skill).variant == world.variant


def test_it_offers_the_policys_fallback_and_resolves_its_route(world: World) -> None:
    world.policy.fallback_provider = world.now_llm
    world.policy.save()
    res = resolve(world.skill)
    assert res.fallback_provider == world.now_llm
    second = resolve(world.skill, provider=res.fallback_provider, reason="fallback")
    assert (second.route, second.connection, second.model) == (
        Route.OEM,
        world.now_conn,
        "now-llm-large",
    )


# -- broken links ---------------------------------------------------------------------------


def test_it_names_manage_model_providers_when_no_policy_exists(world: World) -> None:
    ModelProviderPolicy.objects.all().delete()
    err = _broken(world)
    assert err.code == "no_provider_policy"
    assert "Manage model providers" in err.message


def test_it_refuses_an_inactive_skill(world: World) -> None:
    world.skill.is_active = False
    world.skill.save()
    err = _broken(world)
    assert err.code == "skill_inactive"
    assert "activate it on Skills" in err.message


def test_it_refuses_a_disabled_provider(world: World) -> None:
    world.azure.enabled = False
    world.azure.save()
    err = _broken(world)
    assert err.code == "provider_disabled"
    assert "Azure OpenAI is disabled" in err.message


def test_it_names_the_missing_alias(world: World) -> None:
    world.gpt_large.is_primary = False
    world.gpt_large.save()
    err = _broken(world)
    assert err.code == "no_alias"
    assert "Model aliases" in err.message


def test_it_names_the_alias_to_map_when_byok_has_no_mapping(world: World) -> None:
    world.mapping.is_active = False
    world.mapping.save()
    err = _broken(world)
    assert err.code == "no_alias_mapping"
    assert "map alias gpt_large on Model aliases" in err.message
    assert err.trace[-1]["step"] == "error"
    assert _steps(err.trace)["route"] == "byok"


def test_it_refuses_a_mapping_to_an_inactive_connection(world: World) -> None:
    world.azure_conn.is_active = False
    world.azure_conn.save()
    err = _broken(world)
    assert err.code == "connection_inactive"
    assert "contoso-azure" in err.message


def test_it_refuses_oem_without_a_platform_connection(world: World) -> None:
    world.azure.integration_mode = IntegrationMode.OEM
    world.azure.save()
    err = _broken(world)
    assert err.code == "no_platform_connection"
    assert "Manage integration" in err.message


def test_it_refuses_a_secret_no_key_can_decrypt(world: World, settings) -> None:
    settings.BYOK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    err = _broken(world)
    assert err.code == "secret_undecryptable"
    assert "contoso-azure" in err.message
    assert "Traceback" not in err.message


def test_it_refuses_an_override_to_a_retired_version(world: World) -> None:
    world.azure.integration_mode = IntegrationMode.OEM
    world.azure.save()
    Connection.objects.create(provider=world.azure, name="plat-az", owner=ConnectionOwner.PLATFORM)
    VersionOverride.objects.create(
        scope=OverrideScope.SKILL, skill=world.skill, model_version=world.gpt4o_retired
    )
    err = _broken(world)
    assert err.code == "override_version_unavailable"
    assert "gpt-4o-old" in err.message
    assert "Version Management" in err.message


def test_it_refuses_an_override_naming_an_unpublished_variant(world: World) -> None:
    world.variant_for(name="draft-v", is_default=False, status=VariantStatus.DRAFT)
    VersionOverride.objects.create(
        scope=OverrideScope.SKILL, skill=world.skill, variant_name="draft-v"
    )
    err = _broken(world)
    assert err.code == "override_variant_missing"
    assert "draft-v" in err.message


def test_it_refuses_a_skill_without_a_published_default_variant(world: World) -> None:
    SkillVariant.objects.update(status=VariantStatus.ARCHIVED)
    err = _broken(world)
    assert err.code == "no_variant"
