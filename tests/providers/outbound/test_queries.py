from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.api import InvalidCursor
from providers.choices import ProviderKind
from providers.models import Provider
from providers.outbound.models import OutboundRequest
from providers.outbound.queries import filtered, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows() -> list[OutboundRequest]:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    bedrock = Provider.objects.create(kind=ProviderKind.AWS_BEDROCK, name="Bedrock")
    base = timezone.now()
    made = []
    for i in range(25):
        made.append(
            OutboundRequest(
                created_at=base - timedelta(seconds=i // 2),  # pairs share a timestamp
                provider=azure if i % 2 else bedrock,
                route="byok" if i % 3 else "oem",
                purpose="invocation",
                method="POST",
                host="contoso.openai.azure.com"
                if i % 2
                else "bedrock-runtime.us-east-1.amazonaws.com",
                path="/x",
                status_code=200 if i % 5 else 429,
            )
        )
    return OutboundRequest.objects.bulk_create(made)


def test_it_walks_every_row_exactly_once_in_time_order(rows) -> None:
    seen, cursor = [], None
    while True:
        result = page(filtered(), cursor=cursor, size=7)
        seen.extend(r.pk for r in result.rows)
        cursor = result.next_cursor
        if cursor is None:
            break
    expected = list(
        OutboundRequest.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == 25


def test_it_filters_by_provider_route_and_status(rows) -> None:
    azure = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    result = page(filtered({"provider": azure.pk, "status_code": 429}), size=50)
    assert result.rows
    assert all(r.provider_id == azure.pk and r.status_code == 429 for r in result.rows)
    assert result.next_cursor is None


def test_it_filters_by_time_window(rows) -> None:
    newest = max(r.created_at for r in rows)
    result = page(filtered(since=newest - timedelta(seconds=1)), size=50)
    assert {r.created_at for r in result.rows} == {newest, newest - timedelta(seconds=1)}


def test_it_rejects_a_forged_cursor(rows) -> None:
    with pytest.raises(InvalidCursor):
        page(filtered(), cursor="not-a-cursor")


def test_it_rejects_an_unknown_filter() -> None:
    with pytest.raises(ValueError, match="unknown filter"):
        filtered({"body": "x"})
