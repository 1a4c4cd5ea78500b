"""The outbound log page: one query per page, every filter walking exactly its rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditlog.models import OutboundRequest
from auditlog.queries import LIST_COLUMNS, filtered, page
from providers.choices import ProviderKind
from providers.models import Connection, Provider

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
        {"purpose": "invocation"},
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
