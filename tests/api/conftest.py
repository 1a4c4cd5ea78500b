"""API test fixtures: clients per role, the demo configuration, and a live sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from byok_admin.services.demo import demo_document, seed_demo
from providers.sandbox.server import SandboxServer

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


@pytest.fixture
def demo(db: None) -> list[str]:
    """The demo configuration (catalogue, connections, mappings); returns its secrets."""
    seed_demo(OFFLINE_SANDBOX)
    return demo_secrets(OFFLINE_SANDBOX)


def demo_secrets(url: str) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, str) and len(value) >= 8:
            found.append(value)

    for conn in demo_document(url)["connections"]:
        creds = dict(conn.get("credentials", {}))
        creds.pop("access_key_id", None)  # an identifier, shown on purpose
        walk(creds)
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
