"""Endpoint safety: a connection may only point at its provider's public hosts.

Anything else (another host, plain http, IP literals, private, link-local or metadata
addresses) is refused unless its origin — scheme, host and port together — is listed in
BYOK_ALLOWED_ENDPOINTS, the escape hatch for the provider sandbox and private gateways. An
entry is `scheme://host[:port]`; the port defaults to the scheme's, and `:*` allows any port
(meant for a development sandbox on a changing port).
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import re
import socket
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

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


ALLOWLIST_SETTING = "BYOK_ALLOWED_ENDPOINTS"
DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """An allowlist entry: scheme, host and port (None: any port)."""

    scheme: str
    host: str
    port: int | None

    def __str__(self) -> str:
        return f"{self.scheme}://{_bracketed(self.host)}:{'*' if self.port is None else self.port}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def parse_origin(entry: str) -> Origin:
    """`scheme://host[:port]` → Origin; ImproperlyConfigured saying what is wrong otherwise."""
    text = entry.strip()
    wildcard = text.endswith(":*")
    parts = urlsplit(text[:-2] if wildcard else text)
    problem = ""
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        problem = "is not scheme://host[:port] with scheme http or https"
    elif parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        problem = "must be an origin only (no path, query or credentials)"
    if not problem:
        try:
            port = None if wildcard else parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            problem = "has an invalid port"
    if problem:
        raise ImproperlyConfigured(f"{ALLOWLIST_SETTING} entry {entry!r} {problem}.")
    return Origin(parts.scheme, (parts.hostname or "").lower(), port)


@functools.lru_cache(maxsize=8)
def _parsed(entries: tuple[str, ...]) -> frozenset[Origin]:
    return frozenset(parse_origin(e) for e in entries if e.strip())


def allowed_origins() -> frozenset[Origin]:
    """The parsed BYOK_ALLOWED_ENDPOINTS (cached per value of the setting)."""
    return _parsed(tuple(getattr(settings, ALLOWLIST_SETTING)))


def is_allowed_origin(scheme: str, host: str, port: int | None) -> bool:
    """Whether scheme + host + port (None: the scheme's default) is on the allowlist."""
    port = port or DEFAULT_PORTS.get(scheme)
    host = host.lower().strip("[]")
    return any(
        o.scheme == scheme and o.host == host and o.port in {None, port} for o in allowed_origins()
    )


def allows_socket(host: str, port: int) -> bool:
    """Whether some allowlisted origin (of either scheme) names this host and port."""
    host = host.lower().strip("[]")
    return any(o.host == host and o.port in {None, port} for o in allowed_origins())


def allowlisted_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return False
    return is_allowed_origin(parts.scheme, parts.hostname or "", port)


def _allow_hint(scheme: str, host: str, port: int | None) -> str:
    origin = f"{scheme}://{_bracketed(host)}" + (f":{port}" if port else "")
    return f"add {origin} to {ALLOWLIST_SETTING} to allow it"


def _is_ip_literal(host: str) -> bool:
    """An address in any spelling the resolver accepts: dotted, decimal, octal, hex, short."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return True
    try:
        socket.inet_aton(host)  # "2852039166", "0251.0376.0251.0376", "0xa9fea9fe", "127.1"
    except (OSError, ValueError):
        return False
    return True


def check_endpoint(kind: str, url: str, *, hosts: dict[str, tuple[str, ...]] | None = None) -> str:
    """Return the normalised URL, or raise EndpointNotAllowed with a sentence saying why.

    `hosts` is the table of public host patterns per provider: the API hosts by default,
    TOKEN_HOST_PATTERNS for a credential exchange.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        raise EndpointNotAllowed("The port must be a number from 1 to 65535.") from None
    if parts.scheme not in DEFAULT_PORTS or not host:
        raise EndpointNotAllowed("Enter a full URL such as https://host.example.com.")
    if parts.username or parts.password:
        raise EndpointNotAllowed("Credentials do not belong in the endpoint URL.")
    if is_allowed_origin(parts.scheme, host, port):
        return url.strip().rstrip("/")
    hint = _allow_hint(parts.scheme, host, port)
    if parts.scheme != "https":
        raise EndpointNotAllowed(f"{host} must be reached over https; or {hint}.")
    if _is_ip_literal(host) or host in {"localhost", "metadata.google.internal"}:
        raise EndpointNotAllowed(f"{host} is an address, not a provider host; {hint}.")
    patterns = (HOST_PATTERNS if hosts is None else hosts).get(kind, ())
    if not any(re.fullmatch(p, host) for p in patterns):
        raise EndpointNotAllowed(f"{host} is not a public host of this provider; {hint}.")
    if port not in {None, 443}:
        raise EndpointNotAllowed(f"{host} is served on port 443, not {port}; or {hint}.")
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
    internal. A host and port on the allowlist are returned as is (trusted by name).

    Used at the moment a socket is opened (see `adapters.transport.PinnedBackend`), so the
    address checked is the address connected to: a DNS answer that changes between the
    check and the connection (rebinding) cannot slip an internal address in.
    """
    if allows_socket(host, port):
        return [host]
    addresses = [host] if _is_ip_literal(host) else resolve(host, port)
    internal = [a for a in addresses if _is_internal(a)]
    if internal:
        raise EndpointNotAllowed(
            f"{host} resolves to {internal[0]}, an internal address; add its origin to "
            f"{ALLOWLIST_SETTING} to allow it."
        )
    return addresses


def check_endpoint_resolves(
    kind: str, url: str, *, hosts: dict[str, tuple[str, ...]] | None = None
) -> str:
    """`check_endpoint`, then refuse a public-looking name that resolves to an internal address.

    Runs when an adapter is built (connect time), so a DNS record pointed at a private,
    link-local or metadata address after the connection was saved is still refused. An
    allowlisted origin is trusted as is; a name that does not resolve is left to the SDK,
    which reports it as unreachable. (The socket itself is checked again: see
    `checked_addresses`.)
    """
    url = check_endpoint(kind, url, hosts=hosts)
    parts = urlsplit(url)
    with contextlib.suppress(OSError, UnicodeError):
        checked_addresses(parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme])
    return url
