"""Outbound HTTPS capture: one `auditlog.OutboundRequest` row per HTTP attempt to a provider.

The calling service says *why* a request is made (`outbound_scope(purpose=…, invocation_id=…)`,
kept in a ContextVar so cached SDK clients shared by worker threads attribute each request to
the right invocation); the adapter says *to whom* (`Target`, built once per cached client so
the hot path runs no query); the SDK transport hooks (`providers.adapters.transport`) say
*what* was sent. Secrets are removed before anything is stored (`Redactor`).
"""

from __future__ import annotations

import contextlib
import contextvars
import gzip
import hashlib
import json
import re
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.utils import timezone

from providers.choices import LogLevel, Purpose
from providers.outbound.models import OutboundRequest

REDACTED = "[REDACTED]"

SENSITIVE_HEADERS = frozenset(
    {
        "api-key",
        "authorization",
        "proxy-authorization",
        "x-goog-api-key",
        "x-amz-security-token",
        "x-api-key",
        "cookie",
        "set-cookie",
        "ocp-apim-subscription-key",
    }
)
SENSITIVE_QUERY = frozenset(
    {
        "key",
        "api-key",
        "api_key",
        "access_token",
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-credential",
        "signature",
        "sig",
        "token",
    }
)
# JSON members whose values are credentials wherever they appear (token exchange bodies).
_SECRET_JSON_MEMBERS = re.compile(
    r'("(?:access_token|id_token|refresh_token|private_key|client_secret|assertion)"\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")'
)
_SECRET_FORM_MEMBERS = re.compile(r"((?:^|&)(?:assertion|client_secret|refresh_token)=)[^&]*")
# STS answers temporary credentials in XML (query protocol).
_SECRET_XML_ELEMENTS = re.compile(r"(<(SecretAccessKey|SessionToken)>)[^<]*(</\2>)")
_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
)
_RESPONSE_ID = re.compile(rb'"responseId"\s*:\s*"([^"]{1,200})"')
REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-amzn-requestid", "x-goog-request-id")


def fingerprint(secret: str) -> str:
    """A short, non-reversible name for an API key, so rows show *which* key was used."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


# -- scope (who asked) ------------------------------------------------------------------------


@dataclass
class OutboundScope:
    """Why requests are being made; set by the calling service around an adapter call."""

    purpose: str = Purpose.INVOCATION
    invocation_id: uuid.UUID | str | None = None
    agent_run_id: uuid.UUID | str | None = None
    attempt: int = 1
    route: str = ""
    row_ids: list[int] = field(default_factory=list)  # rows written under this scope


_scope: contextvars.ContextVar[OutboundScope | None] = contextvars.ContextVar(
    "outbound_scope", default=None
)


def current_scope() -> OutboundScope | None:
    return _scope.get()


@contextlib.contextmanager
def outbound_scope(
    purpose: str = Purpose.INVOCATION,
    *,
    invocation_id: uuid.UUID | str | None = None,
    agent_run_id: uuid.UUID | str | None = None,
    attempt: int = 1,
    route: str = "",
) -> Iterator[OutboundScope]:
    """Attribute every provider request made inside the block; yields the scope.

    `scope.row_ids` lists the OutboundRequest ids written inside, so an invocation can
    point at its own requests.
    """
    scope = OutboundScope(
        purpose=purpose,
        invocation_id=invocation_id,
        agent_run_id=agent_run_id,
        attempt=attempt,
        route=route,
    )
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


# -- redaction --------------------------------------------------------------------------------


def secret_values(secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """Every string that must never be stored: each secret and the parts of JSON secrets."""
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            if len(value) >= 6:
                found.add(value)
                found.add(value.replace("\n", "\\n"))
                found.add(json.dumps(value)[1:-1])
            with contextlib.suppress(ValueError, TypeError):
                parsed = json.loads(value)
                if isinstance(parsed, dict):
                    add(parsed)
        elif isinstance(value, dict):
            for key in ("private_key", "private_key_id", "client_secret", "refresh_token"):
                add(value.get(key))

    for value in secrets.values():
        add(value)
    # Longest first, so a secret containing another is replaced whole.
    return tuple(sorted(found, key=len, reverse=True))


@dataclass(frozen=True)
class Redactor:
    """Removes credentials from headers, query strings and bodies."""

    secrets: tuple[str, ...] = ()

    def text(self, value: str) -> str:
        if not value:
            return value
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        value = _PEM_BLOCK.sub(REDACTED, value)
        value = _SECRET_JSON_MEMBERS.sub(lambda m: m.group(1) + REDACTED + m.group(3), value)
        value = _SECRET_XML_ELEMENTS.sub(lambda m: m.group(1) + REDACTED + m.group(3), value)
        return _SECRET_FORM_MEMBERS.sub(lambda m: m.group(1) + REDACTED, value)

    def headers(self, headers: Iterable[tuple[Any, Any]]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for name, value in headers:
            if isinstance(name, bytes):
                name = name.decode("latin-1")
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            lower = name.lower()
            if lower in SENSITIVE_HEADERS:
                if lower == "authorization" and value.startswith("AWS4-HMAC-SHA256"):
                    # Keep the credential scope (key id, date, region); drop the signature.
                    value = re.sub(r"Signature=[0-9a-f]+", "Signature=" + REDACTED, value)
                    clean[lower] = self.text(value)
                else:
                    clean[lower] = REDACTED
            else:
                clean[lower] = self.text(value)
        return clean

    def query(self, query: str) -> str:
        if not query:
            return ""
        pairs = [
            (k, REDACTED if k.lower() in SENSITIVE_QUERY else self.text(v))
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        return urlencode(pairs, safe="[]")


# -- target (to whom) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What an adapter knows about where its requests go; built once per cached client."""

    provider_id: int | None
    connection_id: int | None
    route: str
    account: str
    redactor: Redactor = field(default_factory=Redactor)
    purpose: str = ""  # forces a purpose (token exchanges), else the scope's


def _decode_for_log(body: bytes, encoding: str) -> str:
    if encoding == "gzip":
        with contextlib.suppress(OSError, EOFError):
            body = gzip.decompress(body)
    elif encoding == "deflate":
        with contextlib.suppress(zlib.error):
            body = zlib.decompress(body)
    return body.decode("utf-8", errors="replace")


def request_id_from(headers: Mapping[str, str], body: bytes = b"") -> str:
    """The provider's id of this request: headers first, Gemini's `responseId` from the body."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value[:200]
    if body:
        match = _RESPONSE_ID.search(body)
        if match:
            return match.group(1).decode(errors="replace")
    return ""


def record(
    target: Target,
    *,
    method: str,
    url: str,
    status: int | None,
    latency_ms: float | None,
    request_headers: Iterable[tuple[str, str]] = (),
    request_body: bytes = b"",
    response_headers: Iterable[tuple[str, str]] = (),
    response_body: bytes = b"",
    response_bytes: int | None = None,
    error: str = "",
    scope: OutboundScope | None = None,
) -> int:
    """Write one OutboundRequest row (one INSERT); returns its id."""
    scope = scope or current_scope() or OutboundScope()
    level = getattr(settings, "OUTBOUND_LOG_LEVEL", LogLevel.BASIC)
    limit = getattr(settings, "OUTBOUND_LOG_BODY_LIMIT", 100 * 1024)
    parts = urlsplit(url)
    response_headers = list(response_headers)
    lowered = {k.lower(): v for k, v in response_headers}
    redactor = target.redactor
    row = OutboundRequest(
        created_at=timezone.now(),
        provider_id=target.provider_id,
        connection_id=target.connection_id,
        route=scope.route or target.route,
        purpose=target.purpose or scope.purpose,
        account=target.account[:200],
        invocation_id=scope.invocation_id,
        agent_run_id=scope.agent_run_id,
        attempt=scope.attempt,
        method=method[:8],
        scheme=parts.scheme[:5],
        host=(parts.hostname or "")[:255] + (f":{parts.port}" if parts.port else ""),
        path=redactor.text(parts.path)[:1000],
        status_code=status,
        latency_ms=None if latency_ms is None else round(latency_ms),
        request_bytes=len(request_body),
        response_bytes=len(response_body) if response_bytes is None else response_bytes,
        provider_request_id=request_id_from(lowered, response_body),
        error=redactor.text(error)[:500],
        level=level,
    )
    if level in (LogLevel.ELEVATED, LogLevel.ALL):
        row.query = redactor.query(parts.query)[:1000]
        row.request_headers = redactor.headers(request_headers)
        row.response_headers = redactor.headers(response_headers)
    if level == LogLevel.ALL:
        encoding = lowered.get("content-encoding", "")
        row.request_body = redactor.text(request_body[:limit].decode("utf-8", errors="replace"))
        row.response_body = redactor.text(_decode_for_log(response_body[:limit], encoding))
    row.save(force_insert=True)
    scope.row_ids.append(row.pk)
    return row.pk
