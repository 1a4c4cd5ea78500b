"""Development only: the provider sandbox's demo credentials beside the connections using it.

A developer who seeded the demo needs the sandbox's fake keys to try a rotation or a new
connection. The product never imports the sandbox: the sandbox app hands its demo credentials
in (`register`) when it is loaded, and this module decides when they may be shown:

- `settings.DEBUG` is on, **and**
- `settings.BYOK_SANDBOX_URL` is set, **and**
- the connection is a customer connection whose endpoint is on that exact origin.

A connection to any other host — every real provider endpoint — never gets a hint, and with
DEBUG off nothing is ever shown, whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from providers.choices import ConnectionOwner
from providers.models import Connection


@dataclass(frozen=True)
class DemoCredential:
    label: str
    value: str


HintSource = Callable[[str, str], list[DemoCredential]]  # (provider kind, endpoint) → hints
_sources: list[HintSource] = []


def register(source: HintSource) -> None:
    """Called by the sandbox app; idempotent."""
    if source not in _sources:
        _sources.append(source)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port


def on_sandbox(connection: Connection) -> bool:
    """The rule: DEBUG on, a configured sandbox URL, a customer connection on its origin."""
    sandbox_url = getattr(settings, "BYOK_SANDBOX_URL", "")
    if not (settings.DEBUG and sandbox_url and connection.endpoint):
        return False
    if connection.owner != ConnectionOwner.CUSTOMER:
        return False
    sandbox = _origin(sandbox_url)
    return sandbox is not None and _origin(connection.endpoint) == sandbox


def demo_credentials(connection: Connection) -> list[DemoCredential]:
    """The sandbox's demo credentials for `connection`, or [] when the rule does not hold."""
    if not on_sandbox(connection):
        return []
    hints: list[DemoCredential] = []
    for source in _sources:
        hints.extend(source(connection.provider.kind, connection.endpoint))
    return hints
