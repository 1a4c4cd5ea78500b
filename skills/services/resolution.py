"""Which provider, connection, model and prompt variant serve one skill call, and why.

skill → provider (policy: skill, else skill group, else instance) → alias (provider + tier +
chat) → variant (version override, else the published default) → route (the provider's
integration mode) → BYOK: alias mapping → customer connection + model; OEM: platform connection
+ the alias's default (or overridden) model version.

Each step appends ``{step, value, reason}`` to a trace shown in the console. A broken link raises
`ResolutionError` naming the link and the page that fixes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from core.crypto import SecretDecryptionError
from core.errors import ErrorCode
from providers.choices import Capability, ConnectionOwner, IntegrationMode, Route
from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider
from skills.choices import OverrideScope, PolicyScope, VariantStatus
from skills.models import ModelPrice, ModelProviderPolicy, Skill, SkillVariant, VersionOverride
from skills.services.allowances import NotAllowed, check_allowance
from skills.services.errors import ResolutionError
from skills.services.usage import best_price, cost_of

PROVIDERS_PAGE = "Manage model providers"
INTEGRATION_PAGE = "Manage integration"
ALIASES_PAGE = "Model aliases"
CONNECTIONS_PAGE = "Connections"
VERSIONS_PAGE = "Version Management"
SKILLS_PAGE = "Skills"


@dataclass(kw_only=True)
class ResolvedRoute:
    """What one provider call needs (a skill's or an agent's), plus the trace that explains it."""

    provider: Provider
    alias: ModelAlias
    route: str
    connection: Connection
    model: str
    trace: list[dict] = field(default_factory=list)


@dataclass(kw_only=True)
class Resolution(ResolvedRoute):
    """A skill call's route, with the skill, its prompt variant, policy and prices."""

    skill: Skill
    variant: SkillVariant
    policy: ModelProviderPolicy | None
    #: The provider's price table, read with the rest so a call's cost needs no lookup.
    prices: tuple[ModelPrice, ...] = ()

    def cost(self, reported_model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """What a call cost, priced by the model the provider reported, else the one asked."""
        price = best_price(self.prices, reported_model, self.model)
        return cost_of(price, prompt_tokens, completion_tokens)

    @property
    def fallback_provider(self) -> Provider | None:
        policy = self.policy
        if policy is None or not policy.fallback_provider_id:
            return None
        return policy.fallback_provider


class Trace:
    """The resolution trace being written: one `{step, value, reason}` per link."""

    def __init__(self, entries: list[dict]) -> None:
        self.entries = entries

    def add(self, step: str, value: object, reason: str) -> None:
        self.entries.append(
            {"step": step, "value": "" if value is None else str(value), "reason": reason}
        )

    def fail(self, code: ErrorCode, message: str) -> ResolutionError:
        self.add("error", code, message)
        return ResolutionError(code, message, self.entries)


def policy_for(skill: Skill) -> tuple[ModelProviderPolicy | None, str]:
    """The policy that governs `skill` and a sentence saying which one it is.

    One query for the three candidate scopes (it runs twice per invocation: at creation for
    the rate limits, and in resolution); the most specific active one wins.
    """
    candidates = (
        ModelProviderPolicy.objects.filter(is_active=True)
        .filter(
            Q(scope=PolicyScope.SKILL, skill=skill)
            | Q(scope=PolicyScope.SKILL_GROUP, skill_group=skill.group)
            | Q(scope=PolicyScope.INSTANCE)
        )
        .select_related("provider", "fallback_provider")
        .order_by("pk")
    )
    return choose_policy(skill, candidates)


def choose_policy(
    skill: Skill, active: Iterable[ModelProviderPolicy]
) -> tuple[ModelProviderPolicy | None, str]:
    """Of the active policies `active` (in pk order), the one that governs `skill`, and why:
    its own, else its group's, else the instance default."""
    best: dict[str, ModelProviderPolicy] = {}
    for candidate in active:
        if (
            candidate.scope == PolicyScope.INSTANCE
            or (candidate.scope == PolicyScope.SKILL and candidate.skill_id == skill.pk)
            or (candidate.scope == PolicyScope.SKILL_GROUP and candidate.skill_group == skill.group)
        ):
            best.setdefault(candidate.scope, candidate)
    if policy := best.get(PolicyScope.SKILL):
        return policy, f"skill customisation for {skill.key} on {PROVIDERS_PAGE}"
    if policy := best.get(PolicyScope.SKILL_GROUP):
        return policy, f"skill group {skill.group} customisation on {PROVIDERS_PAGE}"
    if policy := best.get(PolicyScope.INSTANCE):
        return policy, f"instance default on {PROVIDERS_PAGE}"
    return None, ""


def provider_for(skill: Skill) -> Provider | None:
    """The primary provider that would serve `skill` (rate limits count against it)."""
    policy, _ = policy_for(skill)
    return policy.provider if policy else None


def resolve(
    skill: Skill,
    *,
    provider: Provider | None = None,
    reason: str = "",
    trace: list[dict] | None = None,
) -> Resolution:
    """Resolve `skill`; `provider` forces the provider (the fallback route), `reason` says why."""
    t = Trace(trace if trace is not None else [])
    if not skill.is_active:
        raise t.fail(
            ErrorCode.SKILL_INACTIVE,
            f"Skill {skill.key} is inactive; activate it on {SKILLS_PAGE}.",
        )
    t.add("skill", skill.key, f"tier {skill.tier}, group {skill.group}")

    policy, policy_reason = policy_for(skill)
    if provider is None:
        if policy is None:
            raise t.fail(
                ErrorCode.NO_PROVIDER_POLICY,
                f"No model provider is chosen for this instance; choose one on {PROVIDERS_PAGE}.",
            )
        provider = policy.provider
        reason = policy_reason
    t.add("provider", provider.kind, reason)
    require_enabled(provider, t, f"choose another provider on {PROVIDERS_PAGE}")

    alias = alias_for(provider, skill.tier, t)
    overrides = overrides_for(skill, provider)
    variant = variant_for(skill, provider, overrides, t)
    route, connection, model = route_for(provider, alias, overrides, t)
    check_secrets(connection, t)
    check_allowed(skill, provider, connection, t)
    return Resolution(
        skill=skill,
        provider=provider,
        alias=alias,
        variant=variant,
        route=route,
        connection=connection,
        model=model,
        policy=policy,
        trace=t.entries,
        prices=tuple(ModelPrice.objects.filter(provider=provider)),
    )


def require_enabled(provider: Provider, t: Trace, instead: str) -> None:
    """Fail when the chosen provider is switched off; `instead` says the other way out."""
    if not provider.enabled:
        raise t.fail(
            ErrorCode.PROVIDER_DISABLED,
            f"Provider {provider.name} is disabled; enable it on {INTEGRATION_PAGE} or {instead}.",
        )


def check_allowed(
    skill: Skill | None, provider: Provider, connection: Connection, t: Trace
) -> None:
    """The allow-list link: the provider (and its connection's region) must be allowed."""
    try:
        reason = check_allowance(skill, provider, connection)
    except NotAllowed as exc:
        raise t.fail(ErrorCode.PROVIDER_NOT_ALLOWED, exc.message) from None
    t.add("allowance", provider.kind, reason)


def alias_for(provider: Provider, tier: str, t: Trace) -> ModelAlias:
    alias = (
        ModelAlias.objects.filter(
            provider=provider, tier=tier, capability=Capability.CHAT, is_primary=True
        )
        .select_related("default_version")
        .first()
    )
    if alias is None:
        raise t.fail(
            ErrorCode.NO_ALIAS,
            f"Provider {provider.name} has no primary {tier} chat model alias; "
            f"add one on {ALIASES_PAGE}.",
        )
    t.add("alias", alias.key, f"{provider.kind} + {tier} + chat")
    return alias


def check_secrets(connection: Connection, t: Trace) -> None:
    try:
        connection.secrets  # noqa: B018 - decrypt now, so a bad key fails here, by name
    except SecretDecryptionError:
        raise t.fail(
            ErrorCode.SECRET_UNDECRYPTABLE,
            f"The credentials of connection {connection.name} cannot be decrypted with "
            "BYOK_ENCRYPTION_KEYS; restore the key that encrypted them or re-enter them on "
            f"{CONNECTIONS_PAGE}.",
        ) from None


def overrides_for(skill: Skill | None, provider: Provider) -> list[tuple[VersionOverride, str]]:
    """Active overrides that apply, most specific first, each labelled with its scope."""
    instance = Q(scope=OverrideScope.INSTANCE, skill__isnull=True)
    rows = list(
        VersionOverride.objects.filter(is_active=True)
        .filter((Q(skill=skill) | instance) if skill is not None else instance)
        .filter(Q(provider=provider) | Q(provider__isnull=True))
        .select_related("model_version", "model_version__provider")
    )

    def rank(o: VersionOverride) -> int:
        return (0 if o.skill_id else 2) + (0 if o.provider_id else 1)

    name = skill.key if skill is not None else ""
    labels = {
        0: f"skill {name} + {provider.kind}",
        1: f"skill {name}",
        2: f"instance + {provider.kind}",
        3: "instance",
    }
    return [(o, labels[rank(o)]) for o in sorted(rows, key=rank)]


def variant_for(
    skill: Skill, provider: Provider, overrides: list[tuple[VersionOverride, str]], t: Trace
) -> SkillVariant:
    published = SkillVariant.objects.filter(skill=skill, status=VariantStatus.PUBLISHED)
    for override, label in overrides:
        if not override.variant_name:
            continue
        name = override.variant_name
        variant = (
            published.filter(name=name, provider=provider).first()
            or published.filter(name=name, provider__isnull=True).first()
        )
        if variant is None:
            raise t.fail(
                ErrorCode.OVERRIDE_VARIANT_MISSING,
                f"The {label} override on {VERSIONS_PAGE} selects prompt variant {name!r}, "
                f"which has no published version for {provider.name}; publish it on "
                f"{SKILLS_PAGE} or change the override.",
            )
        t.add(
            "variant", f"{variant.name} v{variant.version}", f"{label} override on {VERSIONS_PAGE}"
        )
        return variant
    # The provider's own published default, else the one for any provider: one query.
    defaults = list(
        published.filter(is_default=True)
        .filter(Q(provider=provider) | Q(provider__isnull=True))
        .order_by("-version", "-pk")
    )
    variant = next((v for v in defaults if v.provider_id == provider.pk), None)
    if variant is not None:
        t.add(
            "variant",
            f"{variant.name} v{variant.version}",
            f"published default for {provider.kind}",
        )
        return variant
    variant = next((v for v in defaults if v.provider_id is None), None)
    if variant is not None:
        t.add("variant", f"{variant.name} v{variant.version}", "published default for any provider")
        return variant
    raise t.fail(
        ErrorCode.NO_VARIANT,
        f"Skill {skill.key} has no published default prompt variant for {provider.name}; "
        f"publish one on {SKILLS_PAGE}.",
    )


def model_override(
    provider: Provider, overrides: list[tuple[VersionOverride, str]], t: Trace
) -> tuple[ModelVersion, str] | None:
    for override, label in overrides:
        version = override.model_version
        if version is None:
            continue
        if version.provider_id != provider.pk:
            t.add(
                "model_override",
                version.name,
                f"{label} override ignored: the version belongs to {version.provider.name}",
            )
            continue
        if not version.selectable:
            raise t.fail(
                ErrorCode.OVERRIDE_VERSION_UNAVAILABLE,
                f"The {label} override on {VERSIONS_PAGE} selects {version.name}, which is "
                f"{version.status}; choose an active version on {VERSIONS_PAGE}.",
            )
        return version, label
    return None


def route_for(
    provider: Provider,
    alias: ModelAlias,
    overrides: list[tuple[VersionOverride, str]],
    t: Trace,
) -> tuple[str, Connection, str]:
    if provider.integration_mode == IntegrationMode.BYOK:
        t.add("route", Route.BYOK, f"{provider.name} is set to BYOK on {INTEGRATION_PAGE}")
        mapping = (
            AliasMapping.objects.filter(alias=alias, is_active=True)
            .select_related("connection__provider")
            .first()
        )
        if mapping is None:
            raise t.fail(
                ErrorCode.NO_ALIAS_MAPPING,
                f"BYOK is on for {provider.name} but alias {alias.key} is not mapped; "
                f"map alias {alias.key} on {ALIASES_PAGE}.",
            )
        connection = mapping.connection
        if not connection.is_active:
            raise t.fail(
                ErrorCode.CONNECTION_INACTIVE,
                f"Connection {connection.name}, mapped to alias {alias.key}, is inactive; "
                f"activate it on {CONNECTIONS_PAGE} or remap {alias.key} on {ALIASES_PAGE}.",
            )
        if connection.provider_id != provider.pk:
            raise t.fail(
                ErrorCode.MAPPING_WRONG_PROVIDER,
                f"Alias {alias.key} is mapped to connection {connection.name} of another "
                f"provider; remap it on {ALIASES_PAGE}.",
            )
        t.add("connection", connection.name, f"alias mapping {alias.key} on {ALIASES_PAGE}")
        t.add("model", mapping.model, f"model/deployment of the {alias.key} mapping")
        for override, label in overrides:
            if override.model_version is not None:
                t.add(
                    "model_override",
                    override.model_version.name,
                    f"{label} override not applied: BYOK calls the mapped model",
                )
        return Route.BYOK, connection, mapping.model

    t.add("route", Route.OEM, f"{provider.name} uses the platform key (OEM) on {INTEGRATION_PAGE}")
    platform = (
        Connection.objects.filter(provider=provider, owner=ConnectionOwner.PLATFORM, is_active=True)
        .select_related("provider")
        .order_by("name")
        .first()
    )
    if platform is None:
        raise t.fail(
            ErrorCode.NO_PLATFORM_CONNECTION,
            f"No active platform connection serves {provider.name}; the operator must add one "
            f"on {CONNECTIONS_PAGE}, or switch {provider.name} to BYOK on {INTEGRATION_PAGE}.",
        )
    t.add("connection", platform.name, "active platform connection")
    chosen = model_override(provider, overrides, t)
    if chosen is not None:
        version, label = chosen
        t.add("model", version.name, f"{label} override on {VERSIONS_PAGE}")
        return Route.OEM, platform, version.name
    t.add("model", alias.default_version.name, f"default version of alias {alias.key}")
    return Route.OEM, platform, alias.default_version.name
