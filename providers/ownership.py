"""Who may manage a connection: platform (OEM) connections hold the platform's keys.

A tenant role that could repoint a platform connection at its own endpoint would receive the
platform's key, so platform connections are managed only by users with the
`manage_platform` capability (the platform operator role, or a superuser), by every door: API,
console, Django admin and configuration import. `None` as the user means the system itself
(management commands run by whoever operates the installation, demo seeding).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from core.roles import has_capability
from providers.choices import ConnectionOwner
from providers.models import Connection

REFUSAL = "Platform (OEM) connections are managed by the platform operator."


def manages_platform(user: Any) -> bool:
    return user is None or has_capability(user, "manage_platform")


def may_manage(user: Any, owner: str) -> bool:
    return owner != ConnectionOwner.PLATFORM or manages_platform(user)


def require_may_manage(user: Any, *owners: str) -> None:
    """PermissionDenied unless `user` may manage connections of every one of `owners`."""
    if not all(may_manage(user, owner) for owner in owners):
        raise PermissionDenied(REFUSAL)


def visible_connections(user: Any, queryset: QuerySet[Connection]) -> QuerySet[Connection]:
    """The connections `user` may read in full: tenant roles do not see platform ones."""
    if manages_platform(user):
        return queryset
    return queryset.filter(owner=ConnectionOwner.CUSTOMER)
