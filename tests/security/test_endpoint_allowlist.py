"""The endpoint allowlist names origins: scheme, host and port must all match an entry. An entry
for a gateway's https port does not open its plain-http port, another port, or another host;
and no URL-bearing field can point at metadata or internal addresses in any spelling."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from providers.endpoints import EndpointNotAllowed, check_endpoint, parse_origin

GATEWAY = "https://gateway.corp.example:8443"


@pytest.fixture(autouse=True)
def _allow(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = [GATEWAY, "http://127.0.0.1:8900"]


@pytest.mark.parametrize(
    "url",
    [
        "https://gateway.corp.example:8443/v1",
        "https://GATEWAY.corp.example:8443",
        "http://127.0.0.1:8900",
    ],
)
def test_an_allowlisted_origin_is_accepted(url: str) -> None:
    assert check_endpoint("azure_openai", url)


@pytest.mark.parametrize(
    "url",
    [
        "http://gateway.corp.example:8443/v1",  # same host and port, other scheme
        "https://gateway.corp.example/v1",  # default port, not the listed one
        "https://gateway.corp.example:9443/v1",  # another port
        "https://other.corp.example:8443/v1",  # another host
        "https://127.0.0.1:8900",  # the sandbox entry is for http only
        "http://127.0.0.1:8901",
        "http://127.0.0.1",
    ],
)
def test_an_origin_differing_in_scheme_host_or_port_is_refused(url: str) -> None:
    with pytest.raises(EndpointNotAllowed):
        check_endpoint("azure_openai", url)


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://2852039166/",  # 169.254.169.254 in decimal
        "https://0251.0376.0251.0376/",  # in octal
        "https://0xa9fea9fe/",  # in hex
        "https://[::ffff:169.254.169.254]/",  # IPv4-mapped IPv6
        "https://[::ffff:a9fe:a9fe]/",
        "https://[fd00:ec2::254]/",
        "https://[::1]:8900/",
        "https://localhost/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://127.1/",
        "https://0/",
        "http://llm.example.com/v1",  # plain http to a public host
        "https://llm.example.com:22/v1",  # odd port on a public host
        "https://user:pass@llm.example.com/v1",
        "ftp://llm.example.com/v1",
        "https://llm.example.com:99999/v1",
    ],
)
def test_ssrf_spellings_are_refused(url: str) -> None:
    """The generic LLM takes any public https host, so it is the widest door to try."""
    with pytest.raises(EndpointNotAllowed):
        check_endpoint("generic_llm", url)


@pytest.mark.parametrize(
    "entry",
    ["127.0.0.1", "gateway.corp.example", "https://gw.example/v1", "https://gw:x", "ftp://gw"],
)
def test_an_entry_that_is_not_an_origin_is_a_configuration_error(entry: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="BYOK_ALLOWED_ENDPOINTS"):
        parse_origin(entry)


def test_manage_py_check_reports_a_malformed_entry(settings) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.BYOK_ALLOWED_ENDPOINTS = ["127.0.0.1"]
    with pytest.raises(SystemCheckError, match=r"providers\.E001"):
        call_command("check")
