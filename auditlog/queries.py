"""The validation view's query over the outbound log: filters + keyset pagination.

The log can hold millions of rows, so pages are addressed by a cursor on (created_at, id) — the
order of every index on the table — never by OFFSET, and no page counts the whole table.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from .models import OutboundRequest

FILTERS = ("provider", "connection", "route", "host", "status_code", "purpose", "invocation")

# What a listed row shows of its provider and connection. Loading them whole reads every
# column of both (a connection's settings, health and secrets) and builds three full model
# instances per row: at 50 rows that was most of a page's time, far more than the SQL.
RELATED_COLUMNS = ("provider__kind", "provider__name", "connection__name")

# The columns the console's list shows: no headers, query or bodies (large at the elevated
# and full log levels), no invocation or agent-run links.
LIST_COLUMNS = (
    "created_at",
    "provider",
    "connection",
    "route",
    "account",
    "method",
    "host",
    "path",
    "status_code",
    "error",
    "latency_ms",
    "provider_request_id",
)


_ALL_COLUMNS = tuple(f.name for f in OutboundRequest._meta.concrete_fields)


class InvalidCursor(ValueError):
    """The page cursor was not produced by this console."""


@dataclass(frozen=True)
class Page:
    rows: list[OutboundRequest]
    next_cursor: str | None


def encode_cursor(row: OutboundRequest) -> str:
    raw = f"{row.created_at.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor(
            "The page cursor is not valid; start again from the first page."
        ) from exc


def filtered(
    filters: dict[str, Any] | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[OutboundRequest]:
    """Rows matching exact-value filters (provider/connection ids, route, host, status…)."""
    qs = OutboundRequest.objects.all()
    for name, value in (filters or {}).items():
        if name not in FILTERS:
            raise ValueError(f"unknown filter {name!r}")
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs


def page(
    qs: QuerySet[OutboundRequest],
    *,
    cursor: str | None = None,
    size: int = 50,
    columns: Sequence[str] | None = None,
) -> Page:
    """One page in (created_at desc, id desc) order, starting after `cursor`.

    Rows carry `columns` of their own (all by default) and only `RELATED_COLUMNS` of their
    provider and connection; reading any other column of those issues a query per row.
    """
    size = max(1, min(size, 500))
    own = columns if columns is not None else _ALL_COLUMNS
    qs = qs.order_by("-created_at", "-id")
    qs = qs.select_related("provider", "connection").only(
        "created_at", *own, "provider", "connection", *RELATED_COLUMNS
    )
    if cursor:
        stamp, pk = decode_cursor(cursor)
        # The redundant `created_at <= stamp` gives the index scan its starting point; the
        # OR alone is only a filter, and a deep page then walks every newer row first.
        qs = qs.filter(created_at__lte=stamp).filter(
            Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk)
        )
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None)
