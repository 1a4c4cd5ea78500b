"""Guided BYOK set-up of one provider: which fields its connection needs in each
authentication mode, and how far the documented steps have got.

The steps follow the product's BYOK guide: (1) a connection with credentials, tested; (2) the
provider switched to BYOK; (3) its aliases mapped to models on that connection; (4) optional
per-skill overrides; (5) a skill run whose outbound request went to the customer's account.
`setup_progress` says which are done; the wizard page and the provider card both show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.choices import (
    ConnectionOwner,
    GeminiMode,
    IntegrationMode,
    ProviderKind,
    Purpose,
    Route,
)
from providers.models import AliasMapping, Connection, HealthCheck, ModelAlias, Provider
from providers.outbound.models import OutboundRequest
from providers.services import Diagnosis, test_connection
from providers.specs import spec_for
from providers.validation import customer_accounts
from skills.choices import PolicyScope
from skills.models import ModelProviderPolicy, Skill
from skills.services.policies import activate_policy
from skills.services.resolution import provider_for

__all__ = [
    "SavedTest",
    "SetupMode",
    "SetupProgress",
    "Step",
    "mode_for",
    "modes_for",
    "pending_connection",
    "routable_sample",
    "route_sample_skill",
    "run_rows",
    "sample_input",
    "sample_skill",
    "save_and_test",
    "setup_progress",
    "validation_rows",
]

# The skill the Validate step prefers: a free-form prompt needs no record.
SAMPLE_SKILL = "generic_prompt"
SAMPLE_PROMPT = "Reply with one short sentence confirming you received this BYOK test."


@dataclass(frozen=True)
class SetupMode:
    """One way to authenticate to a provider: the settings and secrets it takes, and the
    settings it fixes (Gemini's `mode`)."""

    key: str
    label: str
    fields: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...] = ()


_AZURE_COMMON = ("endpoint", "api_version", "api_style", "resource_path")
_BEDROCK_COMMON = ("region", "endpoint", "bedrock_api")
_GEMINI_COMMON = ("endpoint", "api_version")

MODES: dict[str, tuple[SetupMode, ...]] = {
    ProviderKind.AZURE_OPENAI: (
        SetupMode("api_key", "API key", (*_AZURE_COMMON, "api_key")),
        SetupMode("entra", "Microsoft Entra ID token", (*_AZURE_COMMON, "entra_token")),
    ),
    ProviderKind.AWS_BEDROCK: (
        SetupMode(
            "access_keys",
            "IAM access keys",
            (*_BEDROCK_COMMON, "access_key_id", "role_arn", "secret_access_key", "session_token"),
        ),
        SetupMode("api_key", "Bedrock API key", (*_BEDROCK_COMMON, "bedrock_api_key")),
    ),
    ProviderKind.GOOGLE_GEMINI: (
        SetupMode(
            GeminiMode.GEMINI_API,
            "Gemini API (AI Studio key)",
            (*_GEMINI_COMMON, "api_key"),
            (("mode", GeminiMode.GEMINI_API),),
        ),
        SetupMode(
            GeminiMode.VERTEX_AI,
            "Vertex AI (service account)",
            ("project", "location", *_GEMINI_COMMON, "service_account_json"),
            (("mode", GeminiMode.VERTEX_AI),),
        ),
    ),
}


def modes_for(kind: str) -> tuple[SetupMode, ...]:
    """The provider's authentication modes; a provider with one way in has one mode holding
    every field of its spec."""
    if kind in MODES:
        return MODES[kind]
    spec = spec_for(kind)
    return (SetupMode("default", "API key", tuple(f.name for f in spec.fields)),)


def mode_for(kind: str, key: str | None) -> SetupMode:
    """The mode named `key`, or the provider's first (an unknown name is no error)."""
    modes = modes_for(kind)
    return next((m for m in modes if m.key == key), modes[0])


# -- step 1: the connection, tested before it serves anything -----------------------------
@dataclass
class SavedTest:
    connection: Connection
    diagnosis: Diagnosis
    active: bool


def save_and_test(
    connection: Connection, *, user: object = None, confirm: bool = False
) -> SavedTest:
    """Store the connection inactive (no alias can route to it), test it, and activate it
    only when the test passes or the administrator confirms saving it anyway.

    Inactive, a connection with a wrong key serves no call while the admin corrects it.
    """
    connection.owner = ConnectionOwner.CUSTOMER
    connection.is_active = False
    connection.save()
    diagnosis = test_connection(connection, user=user)
    if diagnosis.ok or confirm:
        connection.is_active = True
        connection.save(update_fields=["is_active"])
    return SavedTest(connection, diagnosis, connection.is_active)


def pending_connection(provider: Provider, pk: object) -> Connection | None:
    """The inactive customer connection of `provider` a failed test left to correct."""
    wanted = str(pk or "")
    if not (wanted.isascii() and wanted.isdigit() and len(wanted) < 19):
        return None
    return Connection.objects.filter(
        pk=int(wanted), provider=provider, owner=ConnectionOwner.CUSTOMER, is_active=False
    ).first()


# -- progress -----------------------------------------------------------------------------
@dataclass
class Step:
    key: str
    label: str
    done: bool
    optional: bool = False


@dataclass
class SetupProgress:
    provider: Provider
    connections: list[Connection] = field(default_factory=list)
    tested: Connection | None = None
    byok_on: bool = False
    aliases: list[ModelAlias] = field(default_factory=list)
    unmapped: list[ModelAlias] = field(default_factory=list)
    overrides: int = 0
    validated: OutboundRequest | None = None

    @property
    def steps(self) -> list[Step]:
        return [
            Step("connection", "Connection tested OK", self.tested is not None),
            Step("byok", "BYOK turned on", self.byok_on),
            Step("aliases", "Aliases mapped", bool(self.aliases) and not self.unmapped),
            Step("override", "Per-skill overrides (optional)", self.overrides > 0, True),
            Step("validate", "A BYOK request reached your account", self.validated is not None),
        ]

    @property
    def complete(self) -> bool:
        return all(s.done for s in self.steps if not s.optional)


def setup_progress(provider: Provider) -> SetupProgress:
    """Which set-up steps `provider` has done, read from the configuration and the logs."""
    progress = SetupProgress(provider=provider)
    if not provider.supports_byok:
        return progress
    progress.connections = list(
        Connection.objects.filter(
            provider=provider, owner=ConnectionOwner.CUSTOMER, is_active=True
        ).order_by("name")
    )
    for connection in progress.connections:
        last = (
            HealthCheck.objects.filter(connection=connection, kind="test")
            .order_by("-checked_at")
            .first()
        )
        if last is not None and last.ok:
            progress.tested = connection
            break
    progress.byok_on = provider.integration_mode == IntegrationMode.BYOK
    progress.aliases = list(ModelAlias.objects.filter(provider=provider).order_by("key"))
    mapped = set(
        AliasMapping.objects.filter(
            alias__provider=provider,
            is_active=True,
            connection__is_active=True,
            connection__owner=ConnectionOwner.CUSTOMER,
        ).values_list("alias_id", flat=True)
    )
    progress.unmapped = [a for a in progress.aliases if a.pk not in mapped]
    progress.overrides = ModelProviderPolicy.objects.filter(
        provider=provider, skill__isnull=False, is_active=True
    ).count()
    proof = validation_rows(provider, limit=1)
    progress.validated = proof[0] if proof else None
    return progress


def validation_rows(
    provider: Provider, *, invocation_id: object = None, limit: int = 10
) -> list[OutboundRequest]:
    """The provider's latest successful skill requests over BYOK to one of the customer's
    own accounts (the proof the Validate step shows); with `invocation_id`, that run's
    requests whatever their outcome."""
    rows = OutboundRequest.objects.filter(provider=provider).order_by("-created_at")
    if invocation_id is not None:
        return list(rows.filter(invocation_id=invocation_id)[:limit])
    accounts = customer_accounts().get(provider.pk, set())
    if not accounts:
        return []
    rows = rows.filter(
        purpose=Purpose.INVOCATION,
        route=Route.BYOK,
        account__in=accounts,
        status_code__gte=200,
        status_code__lt=300,
    )
    return list(rows[:limit])


def run_rows(provider: Provider, invocation_id: object) -> list[tuple[OutboundRequest, bool]]:
    """One run's outbound requests, each with whether it went to one of the customer's own
    accounts of `provider` (the accounts read once)."""
    accounts = customer_accounts().get(provider.pk, set())
    rows = validation_rows(provider, invocation_id=invocation_id)
    return [(r, bool(r.account) and r.account in accounts) for r in rows]


# -- step 5: a sample skill ---------------------------------------------------------------
def sample_skill(provider: Provider) -> Skill | None:
    """The generic prompt skill if it goes to `provider`, else the first active skill that
    does and needs no record."""
    skills = list(Skill.objects.filter(is_active=True, record_kind="").order_by("name"))
    serving = [s for s in skills if _serves(s, provider)]
    preferred = [s for s in serving if s.key == SAMPLE_SKILL]
    return (preferred or serving or [None])[0]


def routable_sample(provider: Provider) -> Skill | None:
    """The generic prompt skill when no record-free skill goes to `provider` yet: the one the
    Validate step offers to route there (None when some skill already does, or it is off)."""
    if sample_skill(provider) is not None:
        return None
    return Skill.objects.filter(key=SAMPLE_SKILL, is_active=True, record_kind="").first()


def route_sample_skill(provider: Provider) -> Skill | None:
    """Route the generic prompt skill to `provider`: a skill customisation, the same change
    (validated, audited, listed and removable) as one made on Manage model providers."""
    skill = routable_sample(provider)
    if skill is None:
        return sample_skill(provider)
    activate_policy(PolicyScope.SKILL, provider, skill=skill)
    return skill


def _serves(skill: Skill, provider: Provider) -> bool:
    chosen = provider_for(skill)
    return chosen is not None and chosen.pk == provider.pk


def sample_input(skill: Skill) -> dict[str, str]:
    """A value for every required input field of `skill`."""
    values: dict[str, str] = {}
    for spec in skill.input_fields or []:
        name = spec.get("name") if isinstance(spec, dict) else None
        if name:
            values[name] = SAMPLE_PROMPT
    return values
