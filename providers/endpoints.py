"""Endpoint safety: a connection may only point at its provider's public hosts.

Anything else (another host, plain http, IP literals, private, link-local or metadata
addresses) is refused unless the host is listed in BYOK_ALLOWED_ENDPOINT_HOSTS — the escape
hatch for the provider sandbox and private gateways.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings

from .choices import ProviderKind

HOST_PATTERNS: dict[str, tuple[str, ...]] = {
    ProviderKind.AZURE_OPENAI: (
        r"[a-z0-9][a-z0-9-]{0,62}\.openai\.azure\.com",
        r"[a-z0-9][a-z0-9-]{0,62}\.cognitiveservices\.azure\.com",
    ),
    ProviderKind.AWS_BEDROCK: (r"bedrock-runtime(-fips)?\.[a-z0-9-]+\.amazonaws\.com",),
    ProviderKind.GOOGLE_GEMINI: (
        r"generativelanguage\.googleapis\.com",
        r"([a-z0-9-]+-)?aiplatform\.googleapis\.com",
    ),
    ProviderKind.NOW_LLM: (),
    ProviderKind.GENERIC_LLM: (r".+",),  # any public https host
}


class EndpointNotAllowed(ValueError):
    """The endpoint is not a host this provider's connections may use."""


def allowed_extra_hosts() -> set[str]:
    return {h.strip().lower() for h in settings.BYOK_ALLOWED_ENDPOINT_HOSTS if h.strip()}


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def check_endpoint(kind: str, url: str) -> str:
    """Return the normalised URL, or raise EndpointNotAllowed with a sentence saying why."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"http", "https"} or not host:
        raise EndpointNotAllowed("Enter a full URL such as https://host.example.com.")
    if parts.username or parts.password:
        raise EndpointNotAllowed("Credentials do not belong in the endpoint URL.")
    if host in allowed_extra_hosts():
        return url.strip().rstrip("/")
    if parts.scheme != "https":
        raise EndpointNotAllowed(f"{host} must be reached over https.")
    if _is_ip_literal(host) or host in {"localhost", "metadata.google.internal"}:
        raise EndpointNotAllowed(
            f"{host} is an address, not a provider host; add it to "
            "BYOK_ALLOWED_ENDPOINT_HOSTS to allow it."
        )
    patterns = HOST_PATTERNS.get(kind, ())
    if not any(re.fullmatch(p, host) for p in patterns):
        raise EndpointNotAllowed(
            f"{host} is not a public host of this provider; add it to "
            "BYOK_ALLOWED_ENDPOINT_HOSTS to allow it."
        )
    return url.strip().rstrip("/")
