"""Fixtures shared by the whole suite: one user per role, plus a stranger with none.

Every test starts with an empty per-process configuration cache: a rolled-back test's rows
leave no signal behind, so a cached skill or rule of the previous test must not survive it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from core.roles import Role, ensure_roles


@pytest.fixture(autouse=True)
def _fresh_configuration_cache() -> None:
    from skills.services import resolution_cache

    resolution_cache.clear()


@pytest.fixture(autouse=True)
def _fresh_request_counts() -> None:
    """API throttles and log-in lockouts count in the default cache; no test inherits the
    counts of the ones before it (the same user ids and 127.0.0.1 recur in every test)."""
    from django.core.cache import cache

    cache.clear()


def _make_user(username: str, role: str | None = None, **extra: object) -> User:
    ensure_roles()
    user = User.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin_user(db: None) -> User:
    return _make_user("alice_admin", Role.ADMIN)


@pytest.fixture
def operator_user(db: None) -> User:
    return _make_user("oscar_operator", Role.OPERATOR)


@pytest.fixture
def auditor_user(db: None) -> User:
    return _make_user("audrey_auditor", Role.AUDITOR)


@pytest.fixture
def steward_user(db: None) -> User:
    return _make_user("dana_steward", Role.STEWARD)


@pytest.fixture
def platform_user(db: None) -> User:
    return _make_user("pat_platform", Role.PLATFORM)


@pytest.fixture
def stranger(db: None) -> User:
    return _make_user("sam_stranger")


@pytest.fixture
def superuser(db: None) -> User:
    return _make_user("root_super", is_superuser=True, is_staff=True)
