"""Generic LLM connections whose key travels in a named header (API gateways), not Bearer."""

from __future__ import annotations

import json

import pytest
from django.forms.models import model_to_dict

from providers import services
from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, ErrorKind, Message, ProviderError
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from providers.outbound.redaction import REDACTED
from sandbox import defaults as d
from tests.providers.conftest import make_connection

pytestmark = pytest.mark.django_db

MODEL = "llama-3.3-70b-instruct"
QUESTION = ChatRequest(
    model=MODEL, messages=(Message("user", "Summarize incident INC0720: mail queue stuck"),)
)


def gateway_connection(url: str, **fields: object):
    fields.setdefault("header_name", d.GATEWAY_LLM_HEADER)
    return make_connection(
        "generic_llm",
        name="gateway-llm",
        endpoint=url + "/v1",
        secrets={"api_key": d.GATEWAY_LLM_API_KEY},
        **fields,
    )


def gateway_requests(sandbox) -> list[dict]:
    """This test's requests (a hung request of an earlier test may log late)."""
    return [r for r in sandbox.requests if r["account"] == "gateway"]


def test_it_sends_the_key_in_the_named_header_only(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    adapter = get_adapter(gateway_connection(sandbox.url))
    sandbox.clear_requests()
    with outbound_scope() as scope:
        result = adapter.chat(QUESTION)
        streamed = list(adapter.stream(QUESTION))
        adapter.embed("bge-m3", ["alpha"])
    assert "INC0720" in result.text
    assert streamed[-1].result is not None
    seen = gateway_requests(sandbox)
    assert [(s["account"], s["auth"], s["status"]) for s in seen] == [
        ("gateway", "header:x-api-key", 200)
    ] * 3
    for entry in seen:
        assert "x-api-key" in entry["headers"]
        assert "authorization" not in entry["headers"]
    rows = list(OutboundRequest.objects.filter(pk__in=scope.row_ids))
    assert len(rows) == 3
    for row in rows:
        assert row.request_headers["x-api-key"] == REDACTED
        assert "authorization" not in row.request_headers
        assert d.GATEWAY_LLM_API_KEY not in json.dumps(model_to_dict(row), default=str)


def test_it_redacts_a_custom_header_that_is_not_a_known_secret_header(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "elevated"
    connection = gateway_connection(sandbox.url, header_name="X-Gateway-Token")
    with outbound_scope() as scope, pytest.raises(ProviderError):
        get_adapter(connection).chat(QUESTION)  # the gateway only reads X-Api-Key
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert row.request_headers["x-gateway-token"] == REDACTED
    assert "authorization" not in row.request_headers


def test_it_is_refused_when_the_key_goes_as_bearer(sandbox) -> None:
    connection = gateway_connection(sandbox.url, header_name="")
    with pytest.raises(ProviderError) as info:
        get_adapter(connection).chat(QUESTION)
    assert info.value.kind == ErrorKind.AUTH
    assert d.GATEWAY_LLM_API_KEY not in str(info.value)


def test_it_passes_the_connection_test_through_the_named_header(sandbox) -> None:
    diagnosis = services.test_connection(gateway_connection(sandbox.url), model=MODEL)
    assert diagnosis.ok, diagnosis.message
    assert gateway_requests(sandbox)[-1]["auth"] == "header:x-api-key"
