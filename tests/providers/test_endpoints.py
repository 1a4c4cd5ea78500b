"""Endpoint safety: public provider hosts only, unless allowlisted; internal addresses refused."""

from __future__ import annotations

import pytest

from providers import endpoints
from providers.adapters import get_adapter
from providers.adapters.base import ErrorKind, ProviderError
from providers.endpoints import EndpointNotAllowed, check_endpoint, check_endpoint_resolves
from tests.providers.modes import BY_ID


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("azure_openai", "https://contoso.openai.azure.com"),
        ("aws_bedrock", "https://bedrock-runtime.us-east-1.amazonaws.com"),
        ("google_gemini", "https://generativelanguage.googleapis.com"),
        ("google_gemini", "https://us-central1-aiplatform.googleapis.com"),
        ("generic_llm", "https://llm.example.com/v1"),
        ("azure_openai", "http://127.0.0.1:8900"),  # allowlisted in the test settings
    ],
)
def test_it_accepts_provider_hosts(kind: str, url: str) -> None:
    assert check_endpoint(kind, url) == url


@pytest.mark.parametrize(
    ("kind", "url", "reason"),
    [
        ("azure_openai", "https://evil.example.com", "not a public host"),
        ("azure_openai", "http://contoso.openai.azure.com", "over https"),
        ("generic_llm", "https://10.0.0.5", "an address"),
        ("generic_llm", "https://169.254.169.254/latest", "an address"),
        ("generic_llm", "https://[::1]:8443", "an address"),
        ("generic_llm", "https://metadata.google.internal", "an address"),
        ("generic_llm", "https://user:pw@llm.example.com", "Credentials"),
        ("generic_llm", "ftp://llm.example.com", "full URL"),
    ],
)
def test_it_refuses_other_hosts(kind: str, url: str, reason: str) -> None:
    with pytest.raises(EndpointNotAllowed, match=reason):
        check_endpoint(kind, url)


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "192.168.0.10", "169.254.169.254", "127.0.0.1", "fd00:ec2::254", "100.64.0.1"],
)
def test_it_refuses_a_name_resolving_to_an_internal_address(monkeypatch, address: str) -> None:
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: [address])
    with pytest.raises(EndpointNotAllowed, match="internal address"):
        check_endpoint_resolves("generic_llm", "https://rebound.example.com")


def test_it_accepts_a_name_resolving_to_a_public_address(monkeypatch) -> None:
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: ["20.42.65.90", "8.8.8.8"])
    assert (
        check_endpoint_resolves("generic_llm", "https://llm.example.com")
        == "https://llm.example.com"
    )


def test_it_trusts_an_allowlisted_host_without_resolving(monkeypatch, settings) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = ["http://gateway.internal:8080"]

    def refuse(host: str, port: int) -> list[str]:
        raise AssertionError("allowlisted hosts are not resolved")

    monkeypatch.setattr(endpoints, "resolve", refuse)
    assert check_endpoint_resolves("generic_llm", "http://gateway.internal:8080")


@pytest.mark.django_db
def test_it_refuses_to_build_an_adapter_for_a_host_resolving_inside(monkeypatch, settings) -> None:
    connection = BY_ID["generic_llm"].connection("http://127.0.0.1:9")
    settings.BYOK_ALLOWED_ENDPOINTS = []
    connection.endpoint = "https://llm.example.com/v1"
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: ["169.254.169.254"])
    with pytest.raises(ProviderError) as info:
        get_adapter(connection)
    assert info.value.kind == ErrorKind.CONFIG
    assert "169.254.169.254" in str(info.value)


@pytest.mark.django_db
def test_it_does_not_follow_a_redirect(sandbox) -> None:
    """A 3xx is reported as a configuration error, never followed with our credentials."""
    import httpx2

    from providers.adapters.transport import httpx_client
    from providers.outbound.capture import Target

    client = httpx_client(Target(None, None, "byok", ""), 5)
    assert client.follow_redirects is False
    assert isinstance(client, httpx2.Client)
