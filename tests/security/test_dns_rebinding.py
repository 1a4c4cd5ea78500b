"""DNS rebinding: a connection's host is checked when saved and again when a client is built,
but clients are cached and DNS answers change. Every socket is opened to an address checked at
that moment, so a name that later resolves to an internal address reaches nothing.

The internal address used is on loopback, so a regression sends nothing beyond this machine.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from providers.adapters.base import ErrorKind
from providers.endpoints import EndpointNotAllowed, checked_addresses
from providers.outbound.models import OutboundRequest
from providers.services import test_connection as run_connection_test
from tests.providers.conftest import make_connection
from tests.providers.spec_cases import EXTRA_HOSTS

pytestmark = pytest.mark.django_db

NAME = "llm.rebind.example"  # .example never resolves on a real network


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A resolver whose answers for test names the test sets (and may change)."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, port))
                for a in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_name_that_turns_internal_after_the_save_reaches_nothing(sandbox, dns) -> None:
    connection = make_connection(
        "generic_llm",
        endpoint=f"https://{NAME}/v1",
        secrets={"api_key": "sk-generic-rebind"},
    )
    dns[NAME] = []  # no answer yet: the client is built and cached, the call fails
    assert run_connection_test(connection).kind == ErrorKind.NETWORK
    dns[NAME] = ["127.0.0.1"]  # loopback behind a public-looking name
    sandbox.clear_requests()

    diagnosis = run_connection_test(connection)

    assert not diagnosis.ok
    assert diagnosis.kind == ErrorKind.NETWORK
    assert sandbox.requests == []
    rows = OutboundRequest.objects.filter(host__startswith=NAME)
    assert rows.exists()
    assert all(r.status_code is None for r in rows)
    assert any("internal address" in r.error for r in rows)


@pytest.mark.parametrize(
    "answer", [["127.0.0.2"], ["10.1.2.3"], ["169.254.169.254"], ["::ffff:127.0.0.1"], ["::1"]]
)
def test_every_answer_is_checked_at_connect_time(dns, answer: list[str]) -> None:
    dns[NAME] = answer
    with pytest.raises(EndpointNotAllowed, match="internal address"):
        checked_addresses(NAME, 443)


def test_one_internal_answer_among_public_ones_is_enough_to_refuse(dns) -> None:
    dns[NAME] = ["8.8.8.8", "127.0.0.2"]
    with pytest.raises(EndpointNotAllowed, match=r"127\.0\.0\.2"):
        checked_addresses(NAME, 443)


def test_an_allowed_extra_host_is_trusted_by_name() -> None:
    assert checked_addresses("127.0.0.1", 8900) == ["127.0.0.1"]
