"""API test fixtures: clients per role, the demo configuration, and a live sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from sandbox.demo import demo_document, seed_demo
from sandbox.server import SandboxServer

OFFLINE_SANDBOX = "http://127.0.0.1:8900"  # configured, never called


@pytest.fixture
def client_for(request: pytest.FixtureRequest) -> Callable[[str | None], APIClient]:
    """`client_for("admin_user")` → a client authenticated as that fixture's user."""

    def make(who: str | None) -> APIClient:
        client = APIClient()
        if who is not None:
            client.force_authenticate(request.getfixturevalue(who))
        return client

    return make


@pytest.fixture(scope="module")
def _demo_for_module(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Seed once per module inside a transaction that is rolled back at its end.

    Each test runs in its own savepoint inside it (pytest-django's per-test atomic block
    nests), so tests still see a fresh demo configuration without paying for the seed.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(OFFLINE_SANDBOX)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_for_module: None, db: None) -> list[str]:
    """The demo configuration (catalogue, connections, mappings); returns its secrets."""
    return demo_secrets(OFFLINE_SANDBOX)


def demo_secrets(url: str) -> list[str]:
    """Every secret value of the demo document (a service account's key, not its e-mail)."""
    found: list[str] = []
    for conn in demo_document(url)["connections"]:
        for name, value in conn.get("credentials", {}).items():
            if name == "access_key_id":
                continue  # an identifier, shown on purpose
            if isinstance(value, dict):
                found += [value[k] for k in ("private_key", "private_key_id") if value.get(k)]
            else:
                found.append(value)
    return found


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def live(db: None, sandbox: SandboxServer) -> SandboxServer:
    """The demo configuration pointed at a running sandbox."""
    from providers.adapters import clear_cache

    clear_cache()
    seed_demo(sandbox.url)
    yield sandbox
    clear_cache()
