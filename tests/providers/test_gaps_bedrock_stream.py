"""Streamed Bedrock answers come chunked, without Content-Length: their rows count real bytes."""

from __future__ import annotations

import pytest

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, Message
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from tests.providers.modes import BY_ID

pytestmark = pytest.mark.django_db

PRELUDE_AND_CRCS = 16  # bytes every event-stream message carries besides headers and payload


@pytest.mark.parametrize("mode_id", ["bedrock_converse", "bedrock_invoke"])
def test_it_records_the_bytes_read_from_a_streamed_answer(sandbox, settings, mode_id) -> None:
    settings.OUTBOUND_LOG_LEVEL = "elevated"
    mode = BY_ID[mode_id]
    request = ChatRequest(
        model=mode.chat_model,
        messages=(Message("user", "Summarize incident INC0901: the wiki is read-only"),),
    )
    with outbound_scope() as scope:
        events = list(get_adapter(mode.connection(sandbox.url)).stream(request))
    deltas = [e.delta for e in events if e.delta]
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert "content-length" not in row.response_headers
    assert row.response_headers["transfer-encoding"] == "chunked"
    floor = sum(len(d.encode()) for d in deltas) + PRELUDE_AND_CRCS * (len(deltas) + 2)
    assert row.response_bytes > floor


def test_it_counts_only_what_was_read_when_the_caller_stops_early(sandbox) -> None:
    mode = BY_ID["bedrock_converse"]
    long_text = "Summarize: " + " ".join(f"Sentence number {i} is here." for i in range(200))
    request = ChatRequest(model=mode.chat_model, messages=(Message("user", long_text),))
    adapter = get_adapter(mode.connection(sandbox.url))
    with outbound_scope() as whole:
        list(adapter.stream(request))
    with outbound_scope() as partial:
        stream = adapter.stream(request)
        next(stream)
        stream.close()
    full = OutboundRequest.objects.get(pk__in=whole.row_ids).response_bytes
    cut = OutboundRequest.objects.get(pk__in=partial.row_ids).response_bytes
    assert 0 < cut <= full
