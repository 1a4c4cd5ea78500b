"""What every connection-backed adapter shares: its snapshot of the connection, its capture
target, and the small helpers for retry hints and TLS/timeout detection.

An adapter is built once per (connection, secret version) and shared by worker threads, so it
copies what it needs from the Connection at build time and never touches the database again.
"""

from __future__ import annotations

import re
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from providers.adapters.base import Adapter, Diagnosis, ErrorKind, ProviderError
from providers.choices import ConnectionOwner, Route
from providers.endpoints import EndpointNotAllowed, check_endpoint_resolves
from providers.outbound import capture as outbound
from providers.outbound.redaction import Redactor, secret_values

if TYPE_CHECKING:
    from collections.abc import Mapping

    from providers.models import Connection


@dataclass(frozen=True)
class ConnectionInfo:
    """The parts of a Connection an adapter needs (no ORM instance kept across threads)."""

    pk: int | None
    name: str
    kind: str
    provider_id: int | None
    owner: str
    endpoint: str
    api_version: str
    api_style: str
    resource_path: str
    region: str
    access_key_id: str
    role_arn: str
    bedrock_api: str
    mode: str
    project: str
    location: str
    header_name: str
    timeout: float

    @classmethod
    def of(cls, connection: Connection) -> ConnectionInfo:
        return cls(
            pk=connection.pk,
            name=connection.name,
            kind=connection.provider.kind,
            provider_id=connection.provider_id,
            owner=connection.owner,
            endpoint=(connection.endpoint or "").rstrip("/"),
            api_version=connection.api_version,
            api_style=connection.api_style,
            resource_path=connection.resource_path,
            region=connection.region,
            access_key_id=connection.access_key_id,
            role_arn=connection.role_arn,
            bedrock_api=connection.bedrock_api,
            mode=connection.mode,
            project=connection.project,
            location=connection.location,
            header_name=connection.header_name,
            timeout=float(connection.timeout_seconds),
        )

    @property
    def route(self) -> str:
        return Route.OEM if self.owner == ConnectionOwner.PLATFORM else Route.BYOK


class ConnectionAdapter(Adapter):
    """Base of the provider adapters: connection snapshot, secrets, capture target."""

    provider_label = "The provider"

    def __init__(self, connection: Connection) -> None:
        self.info = ConnectionInfo.of(connection)
        # Decrypt once; a SecretDecryptionError propagates to get_adapter, which reports it.
        self._secrets: dict[str, Any] = dict(connection.secrets or {})
        self.redactor = Redactor(secret_values(self._secrets))
        if self.info.endpoint:
            try:
                check_endpoint_resolves(self.info.kind, self.info.endpoint)
            except EndpointNotAllowed as exc:
                raise ProviderError(str(exc), kind=ErrorKind.CONFIG) from None
        self.target = outbound.Target(
            provider_id=self.info.provider_id,
            connection_id=self.info.pk,
            route=self.info.route,
            account=self.account(),
            redactor=self.redactor,
        )

    def secret(self, name: str) -> str:
        value = self._secrets.get(name) or ""
        return value if isinstance(value, str) else ""

    def account(self) -> str:
        """Who is billed: overridden per provider."""
        return ""

    def clean(self, message: str) -> str:
        """A provider message made safe to show and store: redacted, then an excerpt."""
        return excerpt(self.redactor.text(str(message or "")))

    def probe(self, call: Any) -> Diagnosis:
        """Run a cheap call; turn its outcome into a Diagnosis (never raises ProviderError)."""
        started = time.perf_counter()
        try:
            message = call()
        except ProviderError as exc:
            return Diagnosis(
                ok=False,
                kind=str(exc.kind),
                message=self.clean(exc.message),
                latency_ms=round((time.perf_counter() - started) * 1000),
            )
        return Diagnosis(
            ok=True,
            kind="ok",
            message=message,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )


def kind_for_status(status: int | None) -> ErrorKind:
    if status == 401:
        return ErrorKind.AUTH
    if status == 403:
        return ErrorKind.PERMISSION
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status == 408:
        return ErrorKind.TIMEOUT
    if status == 429:
        return ErrorKind.THROTTLED
    if status is not None and status >= 500:
        return ErrorKind.SERVER
    if status is not None and 300 <= status < 400:
        return ErrorKind.CONFIG
    return ErrorKind.BAD_REQUEST


def retry_after_from(headers: Mapping[str, str] | None) -> float | None:
    """`retry-after-ms`, then `retry-after` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                return None
    return None


# What an upstream answer may contribute to a diagnosis, an error or health-check history: an
# excerpt, never the raw body. An endpoint (or a token_uri) that is not the provider — an
# internal page, a metadata service — must not have its answer echoed back to the console.
EXCERPT_LIMIT = 300
_TAG = re.compile(r"<[^<>]{0,400}>")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """Markup and control characters dropped, whitespace folded, at most `limit` characters."""
    text = " ".join(_UNPRINTABLE.sub(" ", _TAG.sub(" ", text)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def seconds_from_duration(value: Any) -> float | None:
    """google.protobuf.Duration in JSON (`"41s"`, `"1.5s"`)."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1))
    return None


def is_tls_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return True
        text = str(current)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in type(current).__name__:
            return True
        if "[SSL" in text or "ssl" in type(current).__module__.lower():
            return True
        current = current.__cause__ or current.__context__
    return False


def redirect_message(status: int, location: str) -> str:
    return (
        f"The endpoint answered with a redirect ({status}) to "
        f"{excerpt(location, 120) or 'another address'}; "
        "redirects are not followed — set the endpoint to the final address."
    )
