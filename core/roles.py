"""The console's roles, as Django groups, and the one check every door uses.

Four tenant roles run the organisation's own configuration; the platform operator (or a
superuser) alone manages the platform's (OEM) connections, which hold the platform's keys.
"""

from __future__ import annotations

from typing import Any

from django.db.models import TextChoices


class Role(TextChoices):
    ADMIN = "byok_admin", "BYOK administrator"
    OPERATOR = "byok_operator", "BYOK operator"
    AUDITOR = "byok_auditor", "BYOK auditor"
    STEWARD = "byok_data_steward", "Data steward"
    PLATFORM = "byok_platform_operator", "Platform operator"


# What each role may do. Superusers may do everything.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            "configure",
            "view_config",
            "run",
            "view_logs",
            "view_audit",
            "view_secret_hints",
            "govern",
            "view_governance",
        }
    ),
    Role.OPERATOR: frozenset({"view_config", "run", "view_logs"}),
    Role.AUDITOR: frozenset({"view_logs", "view_audit", "view_governance"}),
    # Sets the governance controls (privacy, Guardian, budgets, allowed providers) and
    # nothing else: the data protection officer's seat, as Now Assist Admin's.
    Role.STEWARD: frozenset({"govern", "view_governance", "view_logs"}),
}
# The platform operator does what an administrator does and, alone, manages platform
# connections ("manage_platform").
CAPABILITIES[Role.PLATFORM] = CAPABILITIES[Role.ADMIN] | {"manage_platform"}
ALL_CAPABILITIES = frozenset().union(*CAPABILITIES.values())


def ensure_roles() -> None:
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role.value)


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_byok_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._byok_roles = cached
    return cached


def has_capability(user: Any, capability: str) -> bool:
    if capability not in ALL_CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(capability in CAPABILITIES[r] for r in roles_of(user))
