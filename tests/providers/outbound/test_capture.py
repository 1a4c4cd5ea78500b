"""Outbound capture: the fields of each row at each log level, and no secret anywhere."""

from __future__ import annotations

import json
import logging

import pytest
from django.forms.models import model_to_dict

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, Message, ProviderError
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from providers.outbound.redaction import REDACTED, Redactor, secret_values
from tests.providers.modes import BAD_SECRETS, BY_ID, MODES, Mode

pytestmark = pytest.mark.django_db


def hello(model: str) -> ChatRequest:
    return ChatRequest(model=model, messages=(Message("user", "hello"),))


def test_it_keeps_basic_fields_only_at_basic_level(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "basic"
    mode = BY_ID["azure_deployments"]
    connection = mode.connection(sandbox.url)
    with outbound_scope(purpose="invocation", attempt=3) as scope:
        result = get_adapter(connection).chat(hello(mode.chat_model))
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    host, port = sandbox.url.removeprefix("http://").split(":")
    assert (row.method, row.scheme, row.host) == ("POST", "http", f"{host}:{port}")
    assert row.path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert (row.status_code, row.attempt, row.route, row.purpose) == (200, 3, "byok", "invocation")
    assert row.account == f"{host}:{port} key " + row.account.split(" key ")[1]
    assert row.provider_request_id == result.provider_request_id
    assert row.request_bytes > 0
    assert row.response_bytes > 0
    assert row.latency_ms is not None
    assert row.level == "basic"
    assert (row.query, row.request_headers, row.request_body, row.response_body) == (
        "",
        None,
        "",
        "",
    )


def test_it_adds_redacted_headers_and_query_at_elevated_level(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "elevated"
    mode = BY_ID["azure_deployments"]
    with outbound_scope() as scope:
        get_adapter(mode.connection(sandbox.url)).chat(hello(mode.chat_model))
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert row.query == "api-version=2024-10-21"
    assert row.request_headers["api-key"] == REDACTED
    assert row.response_headers["x-request-id"] == row.provider_request_id
    assert row.request_body == ""
    assert row.response_body == ""


def test_it_adds_capped_bodies_at_all_level(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    settings.OUTBOUND_LOG_BODY_LIMIT = 40
    mode = BY_ID["gemini_api"]
    with outbound_scope() as scope:
        get_adapter(mode.connection(sandbox.url)).chat(hello(mode.chat_model))
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert row.request_headers["x-goog-api-key"] == REDACTED
    assert row.request_body.startswith('{"contents"')
    assert len(row.request_body) == 40
    assert len(row.response_body) == 40
    assert row.response_bytes > 40


def test_it_signs_off_the_aws_signature_but_keeps_the_key_id(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "elevated"
    mode = BY_ID["bedrock_converse"]
    with outbound_scope() as scope:
        get_adapter(mode.connection(sandbox.url)).chat(hello(mode.chat_model))
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    auth = row.request_headers["authorization"]
    assert "Credential=AKIASANDBOXCONTOSO01/" in auth
    assert auth.endswith("Signature=" + REDACTED)
    assert row.account == "AKIASANDBOXCONTOSO01 us-east-1"
    assert row.provider_request_id


def test_it_logs_the_service_account_token_exchange_without_the_token(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    mode = BY_ID["vertex_service_account"]
    with outbound_scope() as scope:
        get_adapter(mode.connection(sandbox.url)).chat(hello(mode.chat_model))
    token_row = OutboundRequest.objects.get(pk__in=scope.row_ids, purpose="token")
    assert token_row.path == "/token"
    assert token_row.status_code == 200
    assert f'"access_token":"{REDACTED}"' in token_row.response_body.replace(" ", "")
    assert "assertion=" + REDACTED in token_row.request_body
    call_row = OutboundRequest.objects.get(pk__in=scope.row_ids, purpose="invocation")
    assert call_row.account == "contoso-genai-sandbox/us-central1"


def test_it_redacts_every_stored_secret_wherever_it_appears() -> None:
    redactor = Redactor(
        secret_values(
            {"api_key": "k-123456789", "sa": json.dumps({"private_key": "PK-SECRET-VALUE"})}
        )
    )
    assert redactor.text("x k-123456789 y") == f"x {REDACTED} y"
    assert "PK-SECRET-VALUE" not in redactor.text('{"private_key": "PK-SECRET-VALUE"}')
    assert redactor.query("a=1&key=zzz&b=k-123456789") == f"a=1&key={REDACTED}&b={REDACTED}"
    assert redactor.headers([("Cookie", "s=1"), ("X-Echo", "k-123456789")]) == {
        "cookie": REDACTED,
        "x-echo": REDACTED,
    }


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_never_stores_logs_or_raises_a_secret(sandbox, settings, caplog, mode: Mode) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    caplog.set_level(logging.DEBUG)
    good = mode.connection(sandbox.url, name=f"{mode.id.replace('_', '-')}-good")
    adapter = get_adapter(good)
    adapter.chat(hello(mode.chat_model))
    list(adapter.stream(hello(mode.chat_model)))
    adapter.test_connection(mode.chat_model)
    texts: list[str] = []
    sandbox.set_faults(mode.fault_provider, kind="throttle", fail_next=1)
    with pytest.raises(ProviderError) as info:
        adapter.chat(hello(mode.chat_model))
    texts.append(str(info.value))
    secrets = list(secret_values(mode.secrets(sandbox.url)))
    if mode.id in BAD_SECRETS:
        bad = mode.connection(
            sandbox.url, name=f"{mode.id.replace('_', '-')}-bad", secrets=BAD_SECRETS[mode.id]
        )
        with pytest.raises(ProviderError) as info:
            get_adapter(bad).chat(hello(mode.chat_model))
        texts.append(str(info.value))
        secrets += list(secret_values(BAD_SECRETS[mode.id]))
    rows = [json.dumps(model_to_dict(r), default=str) for r in OutboundRequest.objects.all()]
    assert len(rows) >= 4
    haystacks = [*rows, caplog.text, *texts]
    for secret in secrets:
        for haystack in haystacks:
            assert secret not in haystack
