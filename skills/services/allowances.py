"""Allowed model providers and regions (AI Control Tower): one link of the resolution chain.

With no active allowance at a scope, the scope allows every provider. Once the instance
lists providers, only those serve; a skill's own list narrows it further. A provider listed
with regions serves only through connections in those regions (Bedrock's region, Vertex
AI's location); a connection that names no region (the Gemini API's global endpoint) cannot
prove it is in one, so it is refused there.
"""

from __future__ import annotations

from django.db.models import Q

from providers.models import Connection, Provider
from skills.choices import GovernanceScope
from skills.models import ProviderAllowance, Skill

ALLOWANCES_PAGE = "Settings > Allowed providers"


def region_of(connection: Connection) -> str:
    """The region a connection's calls are served in, or "" where it names none."""
    return connection.region or connection.location or ""


def check_allowance(skill: Skill | None, provider: Provider, connection: Connection) -> str:
    """Why the call may go to `provider` through `connection`, or `NotAllowed` saying why not.

    `skill` is None for an agent's model steps: the instance's list applies alone.
    """
    scopes = Q(scope=GovernanceScope.INSTANCE)
    if skill is not None:
        scopes |= Q(scope=GovernanceScope.SKILL, skill=skill)
    rows = list(ProviderAllowance.objects.filter(scopes, is_active=True).order_by("pk"))
    reasons = []
    for scope, label in (
        (GovernanceScope.INSTANCE, "the instance"),
        (GovernanceScope.SKILL, f"skill {skill.key}" if skill is not None else ""),
    ):
        listed = [row for row in rows if row.scope == scope]
        if not listed:
            continue
        row = next((r for r in listed if r.provider_id == provider.pk), None)
        if row is None:
            raise NotAllowed(
                f"{provider.name} is not an allowed provider for {label}; allow it on "
                f"{ALLOWANCES_PAGE} or choose an allowed provider."
            )
        region = region_of(connection)
        if row.regions and region not in row.regions:
            where = f"region {region}" if region else "no region"
            raise NotAllowed(
                f"Connection {connection.name} serves {provider.name} in {where}, but {label} "
                f"allows it only in {', '.join(row.regions)}; change the connection's region "
                f"or the allowed regions on {ALLOWANCES_PAGE}."
            )
        reasons.append(
            f"allowed for {label}" + (f" in {', '.join(row.regions)}" if row.regions else "")
        )
    return "; ".join(reasons) or "no allow-list is set; every provider is allowed"


class NotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
