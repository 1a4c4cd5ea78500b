"""What a configuration change would move, shown before it is made.

An administrator switching a provider between the platform key (OEM) and their own (BYOK)
moves every skill and agent it serves to another route, and in BYOK each model alias needs a
mapping to one of their connections; deactivating a connection takes away the aliases it
serves. The console shows these summaries and asks for a confirmation, as AI Control Tower
does, so that no one finds out from failed calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from providers.choices import ConnectionOwner, IntegrationMode
from providers.models import AliasMapping, Connection, ModelAlias, Provider
from skills.choices import PolicyScope
from skills.models import Agent, ModelProviderPolicy, Skill
from skills.services.policies import skill_policies


@dataclass(frozen=True)
class SwitchImpact:
    """The runs and aliases a switch of `provider` to `target` would move."""

    provider: Provider
    target: str
    skills: list[Skill] = field(default_factory=list)  # served by it as their provider
    fallback_skills: list[Skill] = field(default_factory=list)  # served by it on fallback
    agents: list[Agent] = field(default_factory=list)
    aliases: list[ModelAlias] = field(default_factory=list)
    unmapped: list[ModelAlias] = field(default_factory=list)  # BYOK: no usable mapping

    @property
    def target_label(self) -> str:
        return "BYOK" if self.target == IntegrationMode.BYOK else "OEM"

    @property
    def moves_anything(self) -> bool:
        return bool(self.skills or self.fallback_skills or self.agents)


def _skills_on(provider: Provider) -> tuple[list[Skill], list[Skill]]:
    """Active skills whose policy names `provider`: as their provider, and as fallback."""
    skills, fallback = [], []
    for row in skill_policies():
        if row.policy is None:
            continue
        if row.policy.provider_id == provider.pk:
            skills.append(row.skill)
        elif row.policy.fallback_provider_id == provider.pk:
            fallback.append(row.skill)
    return skills, fallback


def _agents_on(provider: Provider) -> list[Agent]:
    """Active agents on `provider`: their own, or the instance default when they have none."""
    default = ModelProviderPolicy.objects.filter(
        is_active=True, scope=PolicyScope.INSTANCE, provider=provider
    ).exists()
    on_provider = (
        Q(provider=provider) | Q(provider__isnull=True) if default else Q(provider=provider)
    )
    return list(Agent.objects.filter(on_provider, is_active=True).order_by("name"))


def _served_aliases(provider: Provider, excluding: Connection | None = None) -> set[int]:
    """Aliases of `provider` with an active mapping to an active connection of the customer's."""
    mapped = AliasMapping.objects.filter(
        alias__provider=provider,
        is_active=True,
        connection__is_active=True,
        connection__owner=ConnectionOwner.CUSTOMER,
    )
    if excluding is not None:
        mapped = mapped.exclude(connection=excluding)
    return set(mapped.values_list("alias_id", flat=True))


def switch_impact(provider: Provider, target: str) -> SwitchImpact:
    """Skills, agents and aliases that switching `provider` to `target` would affect."""
    skills, fallback = _skills_on(provider)
    aliases = list(ModelAlias.objects.filter(provider=provider).order_by("key"))
    unmapped: list[ModelAlias] = []
    if target == IntegrationMode.BYOK:
        served = _served_aliases(provider)
        unmapped = [a for a in aliases if a.pk not in served]
    return SwitchImpact(
        provider=provider,
        target=target,
        skills=skills,
        fallback_skills=fallback,
        agents=_agents_on(provider),
        aliases=aliases,
        unmapped=unmapped,
    )


@dataclass(frozen=True)
class DeactivationImpact:
    """What deactivating a customer connection would leave without a route."""

    connection: Connection
    mapped: list[ModelAlias] = field(default_factory=list)  # aliases it serves now
    stranded: list[ModelAlias] = field(default_factory=list)  # ... that no other one serves
    in_byok: bool = False  # the provider runs on the customer's key now
    skills: list[Skill] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)

    @property
    def breaks_calls(self) -> bool:
        """Whether calls would fail: the provider is in BYOK and an alias loses its route."""
        return self.in_byok and bool(self.stranded)


def deactivation_impact(connection: Connection) -> DeactivationImpact:
    """The aliases, skills and agents that lose their route if `connection` stops serving."""
    provider = connection.provider
    mapped = list(
        ModelAlias.objects.filter(
            mappings__connection=connection, mappings__is_active=True
        ).order_by("key")
    )
    others = _served_aliases(provider, excluding=connection)
    stranded = [a for a in mapped if a.pk not in others]
    in_byok = provider.integration_mode == IntegrationMode.BYOK
    skills, fallback = _skills_on(provider) if stranded and in_byok else ([], [])
    return DeactivationImpact(
        connection=connection,
        mapped=mapped,
        stranded=stranded,
        in_byok=in_byok,
        skills=skills + fallback,
        agents=_agents_on(provider) if stranded and in_byok else [],
    )
