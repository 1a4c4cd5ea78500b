"""Provider tests: one sandbox per test session (per xdist worker), real connections in the DB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from providers.adapters import clear_cache
from providers.choices import ConnectionOwner, IntegrationMode, ProviderKind
from providers.models import Connection, Provider
from sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture(scope="session")
def tls_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(tls=True) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_adapters(request: pytest.FixtureRequest) -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()
    for name in ("sandbox", "tls_sandbox"):
        if name in request.fixturenames:
            request.getfixturevalue(name).clear_faults()


def make_connection(
    kind: str, name: str = "", secrets: dict[str, Any] | None = None, **fields: Any
) -> Connection:
    """A saved connection of `kind` (the provider row is created if missing)."""
    mode = IntegrationMode.OEM if kind == ProviderKind.NOW_LLM else IntegrationMode.BYOK
    provider, _ = Provider.objects.get_or_create(
        kind=kind, defaults={"name": ProviderKind(kind).label, "integration_mode": mode}
    )
    fields.setdefault(
        "owner",
        ConnectionOwner.PLATFORM if kind == ProviderKind.NOW_LLM else ConnectionOwner.CUSTOMER,
    )
    connection = Connection(
        provider=provider, name=name or f"{kind.replace('_', '-')}-test", **fields
    )
    connection.set_secrets(secrets or {})
    connection.full_clean()
    connection.save()
    return connection
