"""The outbound log page: one query per page, every filter walking exactly its rows, each
single filter served in order by its own index."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from providers.choices import ProviderKind
from providers.models import Connection, Provider
from providers.outbound.models import FILTER_INDEXES, OutboundRequest
from providers.outbound.queries import KEYSET_INDEXED, KEYSET_ORDER, LIST_COLUMNS, filtered, page
from skills.models import Invocation, Skill

pytestmark = pytest.mark.django_db

HOSTS = ("contoso.openai.azure.com", "bedrock-runtime.us-east-1.amazonaws.com")


@pytest.fixture
def rows() -> list[OutboundRequest]:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    bedrock = Provider.objects.create(kind=ProviderKind.AWS_BEDROCK, name="Bedrock")
    conns = [Connection.objects.create(provider=azure, name=f"conn-{i}") for i in range(6)]
    base = timezone.now()
    return OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=base - timedelta(seconds=i // 3),  # threes share a timestamp
            provider=azure if i % 2 else bedrock,
            connection=conns[i % 6] if i % 5 else None,
            route="byok" if i % 3 else "oem",
            purpose="invocation",
            method="POST",
            host=HOSTS[i % 2],
            path="/x",
            status_code=200 if i % 4 else 429,
        )
        for i in range(40)
    )


def _walk(qs, size: int = 7, **kwargs) -> list[int]:
    seen, cursor = [], None
    while True:
        result = page(qs, cursor=cursor, size=size, **kwargs)
        seen.extend(r.pk for r in result.rows)
        cursor = result.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize(
    "filters",
    [
        {"host": HOSTS[0]},
        {"route": "oem"},
        {"status_code": 429},
        {"host": HOSTS[0], "status_code": 429},
        {"host": HOSTS[1], "status_code": 200, "route": "byok"},
        {"purpose": "invocation"},
        {"purpose": "invocation", "route": "oem"},
    ],
)
def test_each_filter_walks_exactly_its_rows_newest_first(rows, filters) -> None:
    expected = list(
        OutboundRequest.objects.filter(**filters)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert expected
    assert _walk(filtered(filters)) == expected


def test_provider_and_connection_filters_walk_their_rows(rows) -> None:
    azure = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    conn = Connection.objects.get(name="conn-1")
    for filters in ({"provider": azure.pk}, {"connection": conn.pk}):
        expected = list(
            OutboundRequest.objects.filter(**filters)
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)
        )
        assert expected
        assert _walk(filtered(filters), size=3) == expected


def test_a_time_window_combines_with_a_pinned_filter(rows) -> None:
    newest = max(r.created_at for r in rows)
    since = newest - timedelta(seconds=3)
    expected = list(
        OutboundRequest.objects.filter(host=HOSTS[0], created_at__gte=since)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert expected
    assert _walk(filtered({"host": HOSTS[0]}, since=since), size=2) == expected


def test_a_page_reads_rows_providers_and_connections_in_one_query(rows) -> None:
    for columns in (None, LIST_COLUMNS):
        with CaptureQueriesContext(connection) as ctx:
            result = page(filtered(), size=50, columns=columns)
            shown = [
                (
                    r.created_at,
                    r.host,
                    r.provider.kind if r.provider else None,
                    r.provider.name if r.provider else None,
                    r.connection.name if r.connection else None,
                )
                for r in result.rows
            ]
        assert len(shown) == 40
        assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert "secrets" not in sql  # a connection's other columns are not read
    assert '"request_body"' not in sql  # nor, for the console's list, the bodies


def _plan(sql: str) -> str:
    """The plan with sorting, sequential and bitmap scans made as costly as possible."""
    with connection.cursor() as cur:
        for setting in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cur.execute(f"SET LOCAL enable_{setting} = off")
        cur.execute("EXPLAIN " + sql)
        return "\n".join(line for (line,) in cur.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("name", sorted(KEYSET_INDEXED))
def test_a_single_filter_is_served_in_order_by_its_own_index_only(rows, name) -> None:
    """The filter's index gives the page in order, and the time index cannot.

    Were the time index able to (as for a plain `column = value`), PostgreSQL could walk it
    and skip other values' rows: slow when the value is common overall but not recently.
    """
    value = OutboundRequest.objects.exclude(**{name: None}).values_list(
        KEYSET_INDEXED[name], flat=True
    )[0]
    with CaptureQueriesContext(connection) as ctx:
        page(filtered({name: value}), size=5)
    sql = ctx.captured_queries[0]["sql"]
    index = FILTER_INDEXES[name]
    plan = _plan(sql)
    assert index in plan
    assert "Sort" not in plan
    with connection.cursor() as cur:
        cur.execute(f"DROP INDEX {index}")  # undone with the test's transaction
    assert "Sort" in _plan(sql)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize(
    ("status", "walked", "not_walked"),
    [(429, "status_code", "host"), (200, "host", "status_code")],
)
def test_of_several_filters_the_narrowest_index_range_is_walked(
    rows, status, walked, not_walked
) -> None:
    """A host has 20 of the 40 rows, status 429 has 10 and 200 has 30: the page walks the
    smaller range and reads the other filter from that index (it includes the column)."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE providers_outboundrequest")
    filters = {"host": HOSTS[0], "status_code": status}
    with CaptureQueriesContext(connection) as ctx:
        result = page(filtered(filters), size=50)
    assert [r.pk for r in result.rows] == list(
        OutboundRequest.objects.filter(**filters).values_list("pk", flat=True)
    )
    plan = _plan(ctx.captured_queries[-1]["sql"])
    assert f"Index Only Scan using {FILTER_INDEXES[walked]}" in plan
    assert FILTER_INDEXES[not_walked] not in plan


def test_a_filter_by_invocation_is_not_pinned_to_another_filter_index(rows) -> None:
    """An invocation's handful of log rows are found by its own index, whatever else is
    filtered: pinning the host's index would walk all of the host's rows."""
    skill = Skill.objects.create(key="s", name="S", group="itsm", capability="summarize")
    invocation = Invocation.objects.create(skill=skill)
    OutboundRequest.objects.filter(pk__in=[rows[0].pk, rows[2].pk]).update(
        invocation_id=invocation.pk
    )
    qs = filtered({"invocation_id": invocation.pk, "host": HOSTS[0]})
    assert tuple(qs.query.order_by) == KEYSET_ORDER
    assert _walk(qs, size=1) == [rows[2].pk, rows[0].pk]  # same time: higher id first


def test_filters_no_row_can_match_give_an_empty_page(rows) -> None:
    """Status codes are never negative (a check constraint PostgreSQL may plan with)."""
    for filters in ({"host": HOSTS[0], "status_code": -1}, {"status_code": -1}):
        result = page(filtered(filters))
        assert (result.rows, result.next_cursor) == ([], None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL storage settings")
def test_the_log_is_vacuumed_after_one_percent_of_inserts() -> None:
    """Index-only walks skip the table only where the visibility map is set: the log is
    vacuumed well before the default 20 % of its size has been appended."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s",
            [OutboundRequest._meta.db_table],
        )
        (options,) = cur.fetchone()
    assert "autovacuum_vacuum_insert_scale_factor=0.01" in options
    assert "autovacuum_vacuum_insert_threshold=10000" in options
