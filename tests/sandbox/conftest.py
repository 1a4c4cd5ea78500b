"""Fixtures: one sandbox per test session, driven through the real SDKs over loopback."""

from __future__ import annotations

import pytest

from sandbox.server import SandboxServer


@pytest.fixture(scope="session")
def sandbox():
    with SandboxServer() as server:
        yield server


@pytest.fixture(scope="session")
def tls_sandbox():
    with SandboxServer(tls=True) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_faults_left(request):
    """Faults set by one test never leak into the next one."""
    yield
    for name in ("sandbox", "tls_sandbox"):
        if name in request.fixturenames:
            request.getfixturevalue(name).clear_faults()
