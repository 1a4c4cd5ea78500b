"""The outbound log's queries: filters written for its indexes, and the rows a page reads.

The log can hold millions of rows, so pages are addressed by a cursor on (created_at, id) — the
order of every index on the table — never by OFFSET, and no page counts the whole table. The
keyset itself is the API's (`core.api.keyset_page`, behind `NewestFirstKeyset`); this module
says which index a filter walks and how much of a row a page reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Field, QuerySet

from core.api import DEFAULT_LOG_PAGE, NEWEST_FIRST, KeysetPage, keyset_page
from providers.outbound.models import FILTER_INDEXES, OutboundRequest

FILTERS = ("provider", "connection", "route", "host", "status_code", "purpose", "invocation_id")


def _column(name: str) -> str:
    field = OutboundRequest._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{name} is not a column of the outbound log")
    return field.column


# The keyset order, and the filter columns with a (column, created_at, id) index (model
# field name -> column to order by: a foreign key's own column, not the related model's
# ordering).
KEYSET_ORDER = NEWEST_FIRST
KEYSET_INDEXED = {name: _column(name) for name in FILTER_INDEXES}
# Which of several indexed filters to pin where the planner's estimates are not at hand
# (SQLite): the one that usually matches fewest rows.
PIN_PRIORITY = ("connection", "host", "provider", "status_code", "route")

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
    "state",
)


_ALL_COLUMNS = tuple(f.name for f in OutboundRequest._meta.concrete_fields)


def filtered(
    filters: dict[str, Any] | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    path: str = "",
    base: QuerySet[OutboundRequest] | None = None,
) -> QuerySet[OutboundRequest]:
    """Rows of `base` (all by default) matching exact-value filters (provider/connection ids,
    route, host, status…) and, if given, a `path` containing that text.

    A filter's value may be a list (the hosts `hosts_containing` found): none matches
    nothing, one is that value, several are an `IN` over the column's index.

    The result is ordered for `page`. One indexed filter is pinned to its (column,
    created_at, id) index (see `_pin_index`); of several, the one expected to match fewest
    rows, the others being read from the same index (it includes every filter column), so
    a combination that matches little costs at most that filter's index range, never the
    table's rows. A filter by invocation is left to its own index, which narrows the log to
    a handful of rows; with no indexed filter PostgreSQL picks among the indexes.
    """
    qs = base if base is not None else OutboundRequest.objects.all()
    exact = {}
    for name, value in (filters or {}).items():
        if name not in FILTERS:
            raise ValueError(f"unknown filter {name!r}")
        if isinstance(value, list | tuple):
            if not value:
                qs = qs.none()
                continue
            if len(value) > 1:
                qs = qs.filter(**{f"{name}__in": list(value)})
                continue
            value = value[0]
        if value not in (None, ""):
            exact[name] = value
    if path:
        qs = qs.filter(path__contains=path)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    indexed = [name for name in PIN_PRIORITY if name in exact]
    if indexed and "invocation_id" not in exact:
        name = _narrowest(indexed, exact)
        qs = _pin_index(qs, KEYSET_INDEXED[name], exact.pop(name))
    else:
        qs = qs.order_by(*KEYSET_ORDER)
    return qs.filter(**exact) if exact else qs


# More distinct hosts than this containing the text is a fragment too short to mean anything.
MAX_MATCHING_HOSTS = 200


def hosts_containing(fragment: str, limit: int = MAX_MATCHING_HOSTS) -> list[str]:
    """The distinct hosts of the log whose name contains `fragment` (case-insensitive), at
    most `limit` of them (the caller asks one more to know there were more).

    A `host LIKE '%x%'` over the log reads every row; the log holds few distinct hosts, so
    they are found first and the rows then filtered by an `IN` the host index serves. On
    PostgreSQL the distinct hosts come from a skip scan of that index (one index probe per
    host, not per row); elsewhere from a plain DISTINCT. At 200,000 rows over ten hosts,
    PostgreSQL took 0.3 ms for the skip scan and 740 ms for a DISTINCT over the column.
    """
    needle = fragment.strip().lower()
    if not needle:
        return []
    if connection.vendor == "postgresql":
        table = OutboundRequest._meta.db_table
        sql = f"""
            WITH RECURSIVE hosts(host) AS (
                (SELECT host FROM {table} ORDER BY host LIMIT 1)
                UNION ALL
                SELECT (SELECT o.host FROM {table} o WHERE o.host > hosts.host
                        ORDER BY o.host LIMIT 1)
                FROM hosts WHERE hosts.host IS NOT NULL
            )
            SELECT host FROM hosts
            WHERE host IS NOT NULL AND strpos(lower(host), %s) > 0
            LIMIT %s
        """  # noqa: S608 - the table name is the model's own, the text a parameter
        with connection.cursor() as cursor:
            cursor.execute(sql, [needle, limit])
            return [row[0] for row in cursor.fetchall()]
    hosts = (
        OutboundRequest.objects.filter(host__icontains=needle)
        .order_by("host")
        .values_list("host", flat=True)
        .distinct()
    )
    return list(hosts[:limit])


def _narrowest(names: list[str], values: dict[str, Any]) -> str:
    """Of `names` (in PIN_PRIORITY order), the filter PostgreSQL estimates to match fewest rows.

    Its index range is what a page that finds few matches walks: for a host with 20 % of
    1,000,000 rows combined with a status only another host ever had, walking the status's
    20,000 entries instead of the host's 200,000 is 3 ms instead of 30. Each estimate is
    the planner's own (statistics, no rows read): one EXPLAIN per filter, not one of
    them all (a UNION ALL, whose branches PostgreSQL may prove empty and drop).
    """
    if len(names) == 1 or connection.vendor != "postgresql":
        return names[0]

    def estimate(name: str) -> float:
        qs = OutboundRequest.objects.filter(**{name: values[name]}).order_by().values("pk")
        plan = qs.explain(format="json")  # "" when Django sees no row can match (-1 as a status)
        return json.loads(plan)[0]["Plan"]["Plan Rows"] if plan else 0.0

    return min(names, key=estimate)


def _pin_index(qs: QuerySet[OutboundRequest], column: str, value: Any) -> QuerySet[OutboundRequest]:
    """`column = value`, written so that only the (column, created_at, id) index serves it.

    Asked for `column = value` newest first, PostgreSQL weighs that index against walking
    the time index and skipping other rows, and takes the walk when the value is common.
    The walk is fast only if matches are spread evenly over time: for a host that had 21 %
    of 1,000,000 rows but none among the newest 300,000, the first page took 85 to 325 ms
    (300,119 rows skipped) instead of 0.1 ms. As a range (`>= value AND <= value`) the
    column is no longer a constant to the planner, so ordering by (column, created_at, id)
    — the same order, the column being fixed — is one only this index gives in order.
    """
    return qs.filter(**{f"{column}__gte": value, f"{column}__lte": value}).order_by(
        column, *KEYSET_ORDER
    )


def listed(columns: Sequence[str] | None = None) -> QuerySet[OutboundRequest]:
    """How a listed row is read: `columns` of its own (all by default) and only
    `RELATED_COLUMNS` of its provider and connection; reading any other column of those
    issues a query per row."""
    own = columns if columns is not None else _ALL_COLUMNS
    return OutboundRequest.objects.select_related("provider", "connection").only(
        "created_at", *own, "provider", "connection", *RELATED_COLUMNS
    )


def page(
    qs: QuerySet[OutboundRequest],
    *,
    cursor: str | None = None,
    size: int = DEFAULT_LOG_PAGE,
    columns: Sequence[str] | None = None,
) -> KeysetPage:
    """One page of `qs` (from `filtered`) in (created_at desc, id desc) order, after `cursor`.

    The API's keyset (`core.api.keyset_page`: `filtered`'s order kept, the page's ids found
    from the index alone, one query), reading rows as `listed(columns)` says.
    """
    return keyset_page(qs, cursor=cursor, size=max(1, min(size, 500)), read_from=listed(columns))
