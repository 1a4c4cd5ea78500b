"""Outbound HTTPS capture: one `OutboundRequest` row per HTTP attempt to a provider, written
before the request leaves (`begin`) and completed with its outcome (`complete`).

The calling service says *why* a request is made (`outbound_scope(purpose=…, invocation_id=…)`,
kept in a ContextVar so cached SDK clients shared by worker threads attribute each request to
the right invocation); the adapter says *to whom* (`Target`, built once per cached client so
the hot path runs no query); the SDK transport hooks (`providers.adapters.transport`) say
*what* was sent. Secrets are removed before anything is stored (`Redactor`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gzip
import json
import re
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core import dbconn, unitofwork
from providers.choices import LogLevel, OutboundState, Purpose
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
# Credential parameters in a query string, a form body or a URL quoted in an error message
# (`…:generateContent?key=…`): their values go whatever they hold.
_SECRET_PARAMS = re.compile(
    r"((?:^|[?&])(?:"
    + "|".join(
        re.escape(n)
        for n in sorted(SENSITIVE_QUERY | {"assertion", "client_secret", "refresh_token"})
    )
    + r")=)[^&#\s\"'<>]*",
    re.IGNORECASE,
)
# JSON members whose values are credentials wherever they appear (token exchange bodies).
_SECRET_JSON_MEMBERS = re.compile(
    r'("(?:access_token|id_token|refresh_token|private_key|client_secret|assertion)"\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")'
)
# STS answers temporary credentials in XML (query protocol).
_SECRET_XML_ELEMENTS = re.compile(r"(<(SecretAccessKey|SessionToken)>)[^<]*(</\2>)")
_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
)
_RESPONSE_ID = re.compile(rb'"responseId"\s*:\s*"([^"]{1,200})"')
REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-amzn-requestid", "x-goog-request-id")


def fingerprint(secret: str) -> str:
    """A short name for an API key, so rows show *which* key was used, not what it is.

    Keyed (HMAC-SHA256 under a key derived from SECRET_KEY): a plain hash of a short or
    guessable key could be reversed by trying candidates, by anyone who reads the log.
    """
    digest = salted_hmac("byok.outbound.fingerprint", secret, algorithm="sha256")
    return "hmac:" + digest.hexdigest()[:12]


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
    # Set when a row could not be written: the request was not sent, whatever the SDK that
    # was asked to send it made of the error (`begin`).
    write_ahead_error: Exception | None = None


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

#: A secret at least this long is removed wherever it occurs, even inside a longer word.
SUBSTRING_MIN = 6
_SERVICE_ACCOUNT_SECRETS = ("private_key", "private_key_id", "client_secret", "refresh_token")


def secret_values(secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """Every string that must never be stored: each secret, whatever its length, and the
    secret parts of a JSON secret (a service-account key), each in the forms it is sent in
    (as typed, escaped inside a JSON string, percent-encoded in a URL)."""
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            if value:
                found.update(_forms(value))
            with contextlib.suppress(ValueError, TypeError):
                parsed = json.loads(value)
                if isinstance(parsed, dict):
                    add(parsed)
        elif isinstance(value, dict):
            for key in _SERVICE_ACCOUNT_SECRETS:
                add(value.get(key))

    for value in secrets.values():
        add(value)
    # Longest first, so a secret containing another is replaced whole.
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def _forms(value: str) -> set[str]:
    return {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value, safe="")}


def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation: long secrets anywhere, short ones only as a whole word."""
    parts = []
    for secret in sorted(secrets, key=lambda v: (-len(v), v)):
        if not secret.strip():
            continue  # only spaces: matched as a whole value (`Redactor.value`), not in text
        escaped = re.escape(secret)
        parts.append(escaped if len(secret) >= SUBSTRING_MIN else rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True)
class Redactor:
    """Removes credentials from headers, query strings, bodies and messages: the one
    redaction every stored or shown provider text goes through (outbound records, error
    messages, connection-test diagnoses).

    The rule, applied in this order:

    1. **Credential places**, whatever they hold: the values of credential headers
       (`SENSITIVE_HEADERS`; an AWS SigV4 `Authorization` keeps its credential scope and
       loses its signature), of credential query or form parameters (`SENSITIVE_QUERY`,
       `assertion`, `client_secret`, `refresh_token`, also inside a URL quoted in a
       message), of credential JSON members (`private_key`, `access_token`, …), of STS's
       `SecretAccessKey` and `SessionToken` elements, and PEM private-key blocks.
    2. **The connection's own secrets**, by value, whatever their length, in each form they
       are sent in (`secret_values`):
       - a secret of `SUBSTRING_MIN` (6) characters or more is replaced wherever it occurs;
       - a shorter one is replaced where it stands as a whole word: not preceded or
         followed by a letter, digit or underscore. `ab1` goes in `key ab1.`, `"ab1"`,
         `=ab1&`, `/ab1/` or a header whose value is `ab1`, but not in `cab1e`;
       - a header or query value that *is* a secret (as is, or trimmed) is replaced whole,
         so even a secret of only punctuation or spaces is caught where it is sent (one of
         only spaces is looked for nowhere else: it would match between any two words).

    Why short secrets are matched as words only: replacing every occurrence of a one- or
    two-character secret would erase that letter from all text and make records and
    messages unreadable, while a fragment inside a longer word does not reveal which
    characters the secret is. Real provider keys are far longer than `SUBSTRING_MIN` and
    are removed everywhere.
    """

    secrets: tuple[str, ...] = ()

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        return _secret_pattern(self.secrets)

    @functools.cached_property
    def _whole(self) -> frozenset[str]:
        return frozenset(self.secrets) | (frozenset(s.strip() for s in self.secrets) - {""})

    def text(self, value: str) -> str:
        if not value:
            return value
        if self._pattern is not None:
            value = self._pattern.sub(REDACTED, value)
        value = _PEM_BLOCK.sub(REDACTED, value)
        value = _SECRET_JSON_MEMBERS.sub(lambda m: m.group(1) + REDACTED + m.group(3), value)
        value = _SECRET_XML_ELEMENTS.sub(lambda m: m.group(1) + REDACTED + m.group(3), value)
        return _SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, value)

    def value(self, value: str) -> str:
        """A header or parameter value: whole when it is a secret, else as text."""
        if value in self._whole or value.strip() in self._whole:
            return REDACTED
        return self.text(value)

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
                clean[lower] = self.value(value)
        return clean

    def query(self, query: str) -> str:
        if not query:
            return ""
        pairs = [
            (k, REDACTED if k.lower() in SENSITIVE_QUERY else self.value(v))
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


@dataclass(frozen=True)
class InFlight:
    """A request whose row `begin` wrote: what `complete` needs to record its outcome."""

    row: OutboundRequest
    redactor: Redactor


def begin(
    target: Target,
    *,
    method: str,
    url: str,
    request_headers: Iterable[tuple[str, str]] = (),
    request_body: bytes = b"",
    scope: OutboundScope | None = None,
) -> InFlight:
    """Write the request's row, `sending`, and commit it before any byte of it goes out.

    The validation log must hold every request the console sent, including one whose answer
    never came back because the process died: such a row stays `sending` until the sweeper
    marks it `unknown`. `complete` fills in the outcome. If the row cannot be written the
    error is raised and the request is not sent (`OutboundScope.write_ahead_error` says so
    to the caller, whatever the SDK wraps the error in).
    """
    scope = scope or current_scope() or OutboundScope()
    level = getattr(settings, "OUTBOUND_LOG_LEVEL", LogLevel.BASIC)
    limit = getattr(settings, "OUTBOUND_LOG_BODY_LIMIT", 100 * 1024)
    parts = urlsplit(url)
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
        request_bytes=len(request_body),
        level=level,
        state=OutboundState.SENDING,
    )
    if level in (LogLevel.ELEVATED, LogLevel.ALL):
        row.query = redactor.query(parts.query)[:1000]
        row.request_headers = redactor.headers(request_headers)
    if level == LogLevel.ALL:
        row.request_body = redactor.text(request_body[:limit].decode("utf-8", errors="replace"))
    try:
        # Committed with what the run's unit of work holds (its claim, the last attempt's
        # outcome): one commit, before the request goes.
        unitofwork.commit(functools.partial(row.save, force_insert=True))
    except unitofwork.DATABASE_UNAVAILABLE as exc:
        scope.write_ahead_error = exc
        raise
    scope.row_ids.append(row.pk)
    dbconn.release_while_waiting()
    return InFlight(row, redactor)


def complete(
    sent: InFlight,
    *,
    status: int | None,
    latency_ms: float | None,
    response_headers: Iterable[tuple[str, str]] = (),
    response_body: bytes = b"",
    response_bytes: int | None = None,
    error: str = "",
) -> None:
    """Record the outcome of a request `begin` wrote (one UPDATE); the row becomes `done`.

    Inside a run the UPDATE waits for the run's next commit (its next attempt's row, or its
    result): a process that dies before then leaves the row `sending`, later `unknown`, which
    is what it would have been had it died a moment earlier. An UPDATE by id rather than
    `save()`: a row purged by retention meanwhile is no error.
    """
    limit = getattr(settings, "OUTBOUND_LOG_BODY_LIMIT", 100 * 1024)
    row, redactor = sent.row, sent.redactor
    response_headers = list(response_headers)
    lowered = {k.lower(): v for k, v in response_headers}
    outcome: dict[str, Any] = {
        "status_code": status,
        "latency_ms": None if latency_ms is None else round(latency_ms),
        "response_bytes": len(response_body) if response_bytes is None else response_bytes,
        "provider_request_id": request_id_from(lowered, response_body),
        "error": redactor.text(error)[:500],
        "state": OutboundState.DONE,
    }
    if row.level in (LogLevel.ELEVATED, LogLevel.ALL):
        outcome["response_headers"] = redactor.headers(response_headers)
    if row.level == LogLevel.ALL:
        encoding = lowered.get("content-encoding", "")
        outcome["response_body"] = redactor.text(_decode_for_log(response_body[:limit], encoding))
    unitofwork.defer(functools.partial(OutboundRequest.objects.filter(pk=row.pk).update, **outcome))
    for name, value in outcome.items():
        setattr(row, name, value)
