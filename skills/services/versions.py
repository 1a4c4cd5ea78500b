"""*Version Management*: the model version catalogue, and target model versions.

ServiceNow sets each alias's **default model version**; an administrator may set a **target
model version** that replaces it at runtime, for the whole instance (per provider) or for
chosen skills. A target is a `VersionOverride` carrying a model version; resolution
(`resolution.overrides_for` / `model_override`) applies the most specific active one on the
OEM route. Only selectable versions (active or retiring) can be targets: the model's `clean`
refuses the rest, and every save goes through it, so the API, the admin and this page agree.

Changes are audited by the model signals; removing a target deactivates its override (kept
for the trail), or, when the override also selects a prompt variant, clears only the version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from providers.choices import Capability, VersionStatus
from providers.models import ModelAlias, ModelVersion, Provider
from skills.choices import OverrideScope
from skills.models import ModelProviderPolicy, Skill, VersionOverride
from skills.services.resolution import choose_policy

# The overview's groups, in the order the page shows them; retired versions last, kept in
# sight because an alias may still name one as its default.
GROUPS = (
    VersionStatus.ACTIVE,
    VersionStatus.RETIRING,
    VersionStatus.DEPRECATED,
    VersionStatus.RETIRED,
)


def selectable_versions() -> QuerySet[ModelVersion]:
    """Chat versions that may be a target: active or retiring (never deprecated or retired)."""
    return (
        ModelVersion.objects.filter(
            capability=Capability.CHAT,
            status__in=[VersionStatus.ACTIVE, VersionStatus.RETIRING],
        )
        .select_related("provider")
        .order_by("provider__name", "name")
    )


@dataclass
class ProviderVersions:
    """One provider on the overview: its versions by status, its aliases' defaults, and the
    instance-level target (None: the defaults apply)."""

    provider: Provider
    groups: list[tuple[str, list[ModelVersion]]]
    aliases: list[ModelAlias]
    target: VersionOverride | None
    offered: list[ModelVersion] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(versions) for _, versions in self.groups)


@dataclass
class SkillVersion:
    """An active skill, the provider serving it, its default version (the primary alias of its
    tier on that provider), its own target, and the version its calls use on the OEM route.

    A skill may also hold targets for providers that do not serve it now (`waiting`): they
    apply once policy moves the skill there, so the page shows them and lets them be removed.
    """

    skill: Skill
    provider: Provider | None
    default: ModelVersion | None
    own: VersionOverride | None  # the skill's own target for that provider
    effective: ModelVersion | None
    source: str
    waiting: list[VersionOverride] = field(default_factory=list)


def overview() -> list[ProviderVersions]:
    """Every provider with its catalogue grouped by status: three queries for the page."""
    versions = list(ModelVersion.objects.order_by("status", "name"))
    aliases = list(ModelAlias.objects.select_related("default_version").order_by("key"))
    instance_targets = {
        o.provider_id: o
        for o in targets()
        .filter(skill__isnull=True, provider__isnull=False)
        .select_related("model_version")
    }
    offered = list(selectable_versions())
    rows = []
    for provider in Provider.objects.order_by("name"):
        mine = [v for v in versions if v.provider_id == provider.pk]
        rows.append(
            ProviderVersions(
                provider=provider,
                groups=[(s.label, [v for v in mine if v.status == s]) for s in GROUPS],
                aliases=[a for a in aliases if a.provider_id == provider.pk],
                target=instance_targets.get(provider.pk),
                offered=[v for v in offered if v.provider_id == provider.pk],
            )
        )
    return rows


def skill_versions() -> list[SkillVersion]:
    """Every active skill with its default and target versions, chosen by the same rules as
    resolution (its own target, else the instance target of its provider, else the default)."""
    policies = list(
        ModelProviderPolicy.objects.filter(is_active=True).select_related("provider").order_by("pk")
    )
    aliases = {
        (a.provider_id, a.tier): a
        for a in ModelAlias.objects.filter(
            capability=Capability.CHAT, is_primary=True
        ).select_related("default_version")
    }
    overrides = list(
        VersionOverride.objects.filter(is_active=True, model_version__isnull=False)
        .select_related("model_version", "provider")
        .order_by("provider__name")
    )
    rows = []
    for skill in Skill.objects.filter(is_active=True).order_by("name"):
        policy, _ = choose_policy(skill, policies)
        provider = policy.provider if policy else None
        alias = aliases.get((provider.pk, skill.tier)) if provider else None
        default = alias.default_version if alias else None
        mine = [o for o in overrides if o.skill_id == skill.pk]
        own = next((o for o in mine if provider and o.provider_id == provider.pk), None)
        effective, source = default, "default" if default else ""
        if applicable := _applicable(skill, provider, overrides):
            effective, source = applicable[0][0].model_version, applicable[0][1]
        waiting = [o for o in mine if o is not own]
        rows.append(SkillVersion(skill, provider, default, own, effective, source, waiting))
    return rows


def _applicable(
    skill: Skill, provider: Provider | None, overrides: Iterable[VersionOverride]
) -> list[tuple[VersionOverride, str]]:
    """The targets that would apply to `skill` on `provider`, most specific first (the order
    of `resolution.overrides_for`), skipping versions of another provider as resolution does."""
    if provider is None:
        return []

    def rank(o: VersionOverride) -> int:
        return (0 if o.skill_id else 2) + (0 if o.provider_id else 1)

    labels = {0: "skill target", 1: "skill target", 2: "instance target", 3: "instance target"}
    found = [
        o
        for o in overrides
        if o.skill_id in (skill.pk, None)
        and o.provider_id in (provider.pk, None)
        and o.model_version is not None
        and o.model_version.provider_id == provider.pk
    ]
    return [(o, labels[rank(o)]) for o in sorted(found, key=rank)]


def _save(override: VersionOverride, version: ModelVersion) -> VersionOverride:
    override.model_version, override.is_active = version, True
    override.full_clean()  # refuses a version that is not selectable, or of another provider
    override.save()
    return override


@transaction.atomic
def set_instance_target(provider: Provider, version: ModelVersion) -> VersionOverride:
    """The instance-level target of `provider` becomes `version` (created or updated)."""
    override = (
        VersionOverride.objects.select_for_update()
        .filter(scope=OverrideScope.INSTANCE, skill__isnull=True, provider=provider, is_active=True)
        .first()
    ) or VersionOverride(scope=OverrideScope.INSTANCE, provider=provider)
    return _save(override, version)


@transaction.atomic
def set_skill_targets(skills: Iterable[Skill], version: ModelVersion) -> list[VersionOverride]:
    """*Update model version for skills*: every skill in `skills` targets `version` on its
    provider, in one transaction (all or none: one refused save rolls back the others)."""
    skills = list(skills)
    provider = version.provider
    existing = {
        o.skill_id: o
        for o in VersionOverride.objects.select_for_update().filter(
            scope=OverrideScope.SKILL,
            skill__in=skills,
            provider=provider,
            is_active=True,
        )
    }
    return [
        _save(
            existing.get(skill.pk)
            or VersionOverride(scope=OverrideScope.SKILL, skill=skill, provider=provider),
            version,
        )
        for skill in skills
    ]


@transaction.atomic
def clear_target(override: VersionOverride) -> None:
    """Back to the default: the override stops applying its model version. One that also
    selects a prompt variant keeps that; otherwise it is deactivated (kept for the trail)."""
    if override.variant_name:
        override.model_version = None
        override.save(update_fields=["model_version", "updated_at"])
    elif override.is_active:
        override.is_active = False
        override.save(update_fields=["is_active", "updated_at"])


def targets() -> QuerySet[VersionOverride]:
    """Active overrides that carry a target model version (the ones this page may clear)."""
    return VersionOverride.objects.filter(is_active=True, model_version__isnull=False)
