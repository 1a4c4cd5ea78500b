"""What a change of a provider's integration mode would change, shown before it is made.

An administrator switching a provider between the platform key (OEM) and their own (BYOK)
moves every skill and agent it serves to another route, and in BYOK each model alias needs a
mapping to one of their connections. The console shows this summary and asks for a
confirmation, as AI Control Tower does, so that no one finds out from failed calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from providers.choices import ConnectionOwner, IntegrationMode
from providers.models import ModelAlias, Provider
from skills.choices import PolicyScope
from skills.models import Agent, ModelProviderPolicy, Skill
from skills.services.resolution import policy_for


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


def switch_impact(provider: Provider, target: str) -> SwitchImpact:
    """Skills, agents and aliases that switching `provider` to `target` would affect."""
    skills, fallback = [], []
    for skill in Skill.objects.filter(is_active=True).order_by("name"):
        policy, _ = policy_for(skill)
        if policy is None:
            continue
        if policy.provider_id == provider.pk:
            skills.append(skill)
        elif policy.fallback_provider_id == provider.pk:
            fallback.append(skill)
    default = ModelProviderPolicy.objects.filter(
        is_active=True, scope=PolicyScope.INSTANCE, provider=provider
    ).exists()
    on_provider = (
        Q(provider=provider) | Q(provider__isnull=True) if default else Q(provider=provider)
    )
    agents = list(Agent.objects.filter(on_provider, is_active=True).order_by("name"))
    aliases = list(ModelAlias.objects.filter(provider=provider).order_by("key"))
    unmapped: list[ModelAlias] = []
    if target == IntegrationMode.BYOK:
        served = set(
            ModelAlias.objects.filter(
                provider=provider,
                mappings__is_active=True,
                mappings__connection__is_active=True,
                mappings__connection__owner=ConnectionOwner.CUSTOMER,
            ).values_list("pk", flat=True)
        )
        unmapped = [a for a in aliases if a.pk not in served]
    return SwitchImpact(
        provider=provider,
        target=target,
        skills=skills,
        fallback_skills=fallback,
        agents=agents,
        aliases=aliases,
        unmapped=unmapped,
    )
