"""*Manage model providers*: which provider serves the instance, a skill group or a skill.

One policy per target (the instance, each skill group, each skill); `activate_policy` sets
a target's provider and fallback and activates it. As in Now Assist, an instance-level change
overwrites the skill customisations: they are deactivated (kept, so they can be looked at
and switched on again, and each change is audited through the model signals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from providers.models import Provider
from skills.choices import PolicyScope
from skills.models import ModelProviderPolicy, Skill
from skills.services.resolution import choose_policy


@dataclass(frozen=True)
class PolicyChange:
    policy: ModelProviderPolicy
    overwritten: list[ModelProviderPolicy]  # customisations an instance change deactivated


@dataclass(frozen=True)
class SkillPolicy:
    """An active skill, the policy that governs it (None: none applies), and which one it is
    in the words of the skill's trace."""

    skill: Skill
    policy: ModelProviderPolicy | None
    source: str


def skill_policies() -> list[SkillPolicy]:
    """Every active skill with its governing policy, by name: two queries for the whole list,
    the choice made by the rule resolution itself follows (`choose_policy`)."""
    active = list(
        ModelProviderPolicy.objects.filter(is_active=True)
        .select_related("provider", "fallback_provider")
        .order_by("pk")
    )
    return [
        SkillPolicy(skill, *choose_policy(skill, active))
        for skill in Skill.objects.filter(is_active=True).order_by("name")
    ]


def customisations() -> QuerySet[ModelProviderPolicy]:
    """The active skill-group and skill policies, which an instance change would overwrite."""
    return (
        ModelProviderPolicy.objects.filter(is_active=True)
        .exclude(scope=PolicyScope.INSTANCE)
        .select_related("skill", "provider", "fallback_provider")
        .order_by("scope", "skill_group", "skill__name")
    )


@transaction.atomic
def activate_policy(
    scope: str,
    provider: Provider,
    *,
    fallback: Provider | None = None,
    skill: Skill | None = None,
    skill_group: str = "",
) -> PolicyChange:
    """Set and activate the policy of one target; validated like any model save."""
    target: dict[str, Any] = {"skill": None, "skill_group": ""}
    if scope == PolicyScope.SKILL:
        target["skill"] = skill
    elif scope == PolicyScope.SKILL_GROUP:
        target["skill_group"] = skill_group
    elif scope != PolicyScope.INSTANCE:
        raise ValueError(f"Unknown policy scope {scope!r}.")
    policy = ModelProviderPolicy.objects.filter(scope=scope, **target).first()
    policy = policy or ModelProviderPolicy(scope=scope, **target)
    policy.provider, policy.fallback_provider, policy.is_active = provider, fallback, True
    policy.full_clean()
    policy.save()
    overwritten: list[ModelProviderPolicy] = []
    if scope == PolicyScope.INSTANCE:
        for custom in customisations().select_for_update(of=("self",)):
            custom.is_active = False
            custom.save(update_fields=["is_active", "updated_at"])
            overwritten.append(custom)
    return PolicyChange(policy, overwritten)


def deactivate_customisation(policy: ModelProviderPolicy) -> None:
    """Stop a skill-group or skill customisation; its skills follow the next scope up."""
    if policy.scope == PolicyScope.INSTANCE:
        raise ValueError("The instance default is changed, not deactivated.")
    if policy.is_active:
        policy.is_active = False
        policy.save(update_fields=["is_active", "updated_at"])
