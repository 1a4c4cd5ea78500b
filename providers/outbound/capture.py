"""Outbound HTTPS capture: one `OutboundRequest` row per HTTP attempt to a provider, written
before the request leaves (`begin`) and completed with its outcome (`complete`).

The calling service says *why* a request is made (`outbound_scope(purpose=…, invocation_id=…)`,
kept in a ContextVar so cached SDK clients shared by worker threads attribute each request to
the right invocation); the adapter says *to whom* (`Target`, built once per cached client so
the hot path runs no query); the SDK transport hooks (`providers.adapters.transport`) say
*what* was sent. Secrets are removed before anything is stored (`redaction.Redactor`).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gzip
import re
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core import dbconn, unitofwork
from providers.choices import LogLevel, OutboundState, Purpose
from providers.outbound.models import OutboundRequest
from providers.outbound.redaction import Redactor

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
