"""The outbound log serializer's own representation is exactly DRF's generic one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from providers.api.outbound import OutboundRequestSerializer
from providers.models import Connection, Provider
from providers.outbound.models import OutboundRequest

AZURE = Provider(id=7, kind="azure_openai", name="Azure OpenAI")
CONTOSO = Connection(id=3, name="contoso-prod", provider=AZURE)


def _row(**fields: object) -> OutboundRequest:
    base = {
        "id": 42,
        "created_at": datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC),
        "provider": AZURE,
        "connection": CONTOSO,
        "route": "byok",
        "purpose": "invocation",
        "account": "contoso",
        "method": "POST",
        "host": "contoso.openai.azure.com",
        "path": "/openai/deployments/gpt4o/chat/completions",
        "status_code": 200,
        "latency_ms": 412,
        "request_bytes": 900,
        "response_bytes": 1200,
        "provider_request_id": "req-1",
        "level": "all",
        "query": "api-version=2024-10-21",
        "request_headers": {"content-type": "application/json", "api-key": "••••"},
        "response_headers": {"x-request-id": "req-1"},
        "request_body": '{"messages": []}',
        "response_body": '{"choices": []}',
    }
    return OutboundRequest(**{**base, **fields})


ROWS = {
    "full": _row(invocation_id=uuid.uuid4(), agent_run_id=uuid.uuid4(), attempt=2),
    "failed, unlinked": _row(
        provider=None,
        connection=None,
        route="",
        status_code=None,
        latency_ms=None,
        error="connect timeout",
        request_headers=None,
        response_headers=None,
    ),
    "offset timestamp, no microseconds": _row(
        created_at=datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    ),
    "basic level": _row(level="basic", query="", request_body="", response_body=""),
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_it_renders_what_drf_renders(name: str) -> None:
    row = ROWS[name]
    serializer = OutboundRequestSerializer()
    ours = serializer.to_representation(row)
    generic = serializers.ModelSerializer.to_representation(serializer, row)
    assert list(ours) == list(generic) == OutboundRequestSerializer.Meta.fields
    assert JSONRenderer().render(ours) == JSONRenderer().render(generic)


def test_a_list_renders_each_row() -> None:
    data = OutboundRequestSerializer(list(ROWS.values()), many=True).data
    assert [r["id"] for r in data] == [42] * len(ROWS)
    assert data[0]["provider"] == "azure_openai"
    assert data[0]["connection"] == "contoso-prod"
    assert data[1]["provider"] is None
    assert data[0]["created_at"] == "2026-03-01T12:30:05.123456Z"
