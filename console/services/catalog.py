"""`seed_catalog`: turn the catalogue data modules into rows, idempotently.

Catalogue facts (names, model versions and their status, alias targets, skill inputs) are kept
in sync with the data; what an administrator owns afterwards (a provider's integration mode,
a skill's active flag, prompts, prices, the instance policy, sample records and agents) is only
set when the row is first created, so a re-run never undoes their work.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from console.catalog_data import agents as agent_data
from console.catalog_data import models as model_data
from console.catalog_data import records as record_data
from console.catalog_data import skills as skill_data
from console.services.upsert import Tally, sync
from core.roles import ensure_roles
from providers.models import ModelAlias, ModelVersion, Provider
from skills.choices import PolicyScope, VariantStatus
from skills.models import (
    Agent,
    AgentTool,
    ModelPrice,
    ModelProviderPolicy,
    Record,
    Skill,
    SkillVariant,
)


@transaction.atomic
def seed_catalog() -> Tally:
    """Create or refresh the whole out-of-box catalogue; a second run changes nothing."""
    tally = Tally()
    ensure_roles()
    providers = _seed_providers(tally)
    versions = _seed_versions(providers, tally)
    _seed_aliases(providers, versions, tally)
    _seed_prices(providers, tally)
    _seed_skills(tally)
    _seed_instance_policy(providers, tally)
    _seed_records(tally)
    _seed_agents(tally)
    return tally


def _seed_providers(tally: Tally) -> dict[str, Provider]:
    providers = {}
    for row in model_data.PROVIDERS:
        provider, _ = sync(
            Provider,
            {"kind": row["kind"]},
            {"name": row["name"], "description": row["description"]},
            on_create={"integration_mode": row["integration_mode"]},
            tally=tally,
        )
        providers[provider.kind] = provider
    return providers


def _seed_versions(
    providers: dict[str, Provider], tally: Tally
) -> dict[tuple[str, str], ModelVersion]:
    versions = {}
    for kind, rows in model_data.VERSIONS.items():
        for name, label, capability, status, released_on, retires_on in rows:
            version, _ = sync(
                ModelVersion,
                {"provider": providers[kind], "name": name},
                {
                    "label": label,
                    "capability": capability,
                    "status": status,
                    "released_on": released_on,
                    "retires_on": retires_on,
                },
                tally=tally,
            )
            versions[(kind, name)] = version
    return versions


def _seed_aliases(
    providers: dict[str, Provider],
    versions: dict[tuple[str, str], ModelVersion],
    tally: Tally,
) -> None:
    for key, kind, tier, capability, default, is_primary, description in model_data.ALIASES:
        sync(
            ModelAlias,
            {"key": key},
            {
                "provider": providers[kind],
                "tier": tier,
                "capability": capability,
                "default_version": versions[(kind, default)],
                "is_primary": is_primary,
                "description": description,
            },
            tally=tally,
        )


def _seed_prices(providers: dict[str, Provider], tally: Tally) -> None:
    for kind, pattern, price_in, price_out in model_data.PRICES:
        sync(
            ModelPrice,
            {"provider": providers[kind], "model_pattern": pattern},
            {},
            on_create={"input_per_million": price_in, "output_per_million": price_out},
            tally=tally,
        )


def _seed_skills(tally: Tally) -> None:
    for row in skill_data.SKILLS:
        skill, _ = sync(
            Skill,
            {"key": row["key"]},
            {
                "name": row["name"],
                "description": row["description"],
                "group": row["group"],
                "capability": row["capability"],
                "tier": row["tier"],
                "record_kind": row["record_kind"],
                "input_fields": row["input_fields"],
                "is_out_of_box": True,
            },
            tally=tally,
        )
        # The prompt belongs to the administrator once it exists (they publish new versions).
        if not SkillVariant.objects.filter(skill=skill, provider=None, name="default").exists():
            prompt = row["prompt"]
            sync(
                SkillVariant,
                {"skill": skill, "provider": None, "name": "default", "version": 1},
                {},
                on_create={
                    **prompt,
                    "status": VariantStatus.PUBLISHED,
                    "is_default": True,
                    "published_at": timezone.now(),
                    "notes": "Out-of-box prompt",
                },
                tally=tally,
            )


def _seed_instance_policy(providers: dict[str, Provider], tally: Tally) -> None:
    sync(
        ModelProviderPolicy,
        {"scope": PolicyScope.INSTANCE},
        {},
        on_create={"provider": providers[model_data.DEFAULT_INSTANCE_PROVIDER]},
        tally=tally,
    )


def _seed_records(tally: Tally) -> None:
    for row in record_data.RECORDS:
        sync(
            Record,
            {"number": row["number"]},
            {},
            on_create={k: v for k, v in row.items() if k != "number"},
            tally=tally,
        )


def _seed_agents(tally: Tally) -> None:
    for row in agent_data.AGENTS:
        fields = {k: v for k, v in row.items() if k not in {"key", "tools"}}
        agent, created = sync(Agent, {"key": row["key"]}, {}, on_create=fields, tally=tally)
        if not created:
            continue  # the administrator owns the agent's tools from now on
        for tool in row["tools"]:
            values = {k: v for k, v in tool.items() if k != "name"}
            sync(
                AgentTool, {"agent": agent, "name": tool["name"]}, {}, on_create=values, tally=tally
            )
