"""Endpoint safety: a connection may only point at its provider's public hosts.

Anything else (another host, plain http, IP literals, private, link-local or metadata
addresses) is refused unless the host is listed in BYOK_ALLOWED_ENDPOINT_HOSTS — the escape
hatch for the provider sandbox and private gateways.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings

from providers.choices import ProviderKind

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


# Where a credential exchange may go: a Vertex AI service-account key names its own OAuth
# token endpoint (`token_uri`), which the console POSTs a signed assertion to.
TOKEN_HOST_PATTERNS: dict[str, tuple[str, ...]] = {
    ProviderKind.GOOGLE_GEMINI: (r"oauth2\.googleapis\.com",),
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


def check_endpoint(kind: str, url: str, *, hosts: dict[str, tuple[str, ...]] | None = None) -> str:
    """Return the normalised URL, or raise EndpointNotAllowed with a sentence saying why.

    `hosts` is the table of public host patterns per provider: the API hosts by default,
    TOKEN_HOST_PATTERNS for a credential exchange.
    """
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
    patterns = (HOST_PATTERNS if hosts is None else hosts).get(kind, ())
    if not any(re.fullmatch(p, host) for p in patterns):
        raise EndpointNotAllowed(
            f"{host} is not a public host of this provider; add it to "
            "BYOK_ALLOWED_ENDPOINT_HOSTS to allow it."
        )
    return url.strip().rstrip("/")


METADATA_ADDRESSES = frozenset({"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        str(ip) in METADATA_ADDRESSES
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"))
    )


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (one DNS lookup, all families)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host`, every one checked; EndpointNotAllowed if any is
    internal. A host in BYOK_ALLOWED_ENDPOINT_HOSTS is returned as is (trusted by name).

    Used at the moment a socket is opened (see `adapters.transport.PinnedBackend`), so the
    address checked is the address connected to: a DNS answer that changes between the
    check and the connection (rebinding) cannot slip an internal address in.
    """
    if host.lower() in allowed_extra_hosts():
        return [host]
    addresses = [host] if _is_ip_literal(host) else resolve(host, port)
    internal = [a for a in addresses if _is_internal(a)]
    if internal:
        raise EndpointNotAllowed(
            f"{host} resolves to {internal[0]}, an internal address; add the host to "
            "BYOK_ALLOWED_ENDPOINT_HOSTS to allow it."
        )
    return addresses


def check_endpoint_resolves(
    kind: str, url: str, *, hosts: dict[str, tuple[str, ...]] | None = None
) -> str:
    """`check_endpoint`, then refuse a public-looking name that resolves to an internal address.

    Runs when an adapter is built (connect time), so a DNS record pointed at a private,
    link-local or metadata address after the connection was saved is still refused. A host
    listed in BYOK_ALLOWED_ENDPOINT_HOSTS is trusted as is; a name that does not resolve is
    left to the SDK, which reports it as unreachable.
    """
    url = check_endpoint(kind, url, hosts=hosts)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in allowed_extra_hosts():
        return url
    try:
        checked_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return url
    return url
