"""Each failure class of each provider mode, mapped to the right ErrorKind without a secret."""

from __future__ import annotations

import pytest

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, ErrorKind, Message, ProviderError
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from tests.providers.modes import BAD_SECRETS, BY_ID, MODES, Mode

pytestmark = pytest.mark.django_db


def hello(model: str) -> ChatRequest:
    return ChatRequest(model=model, messages=(Message("user", "hello"),))


def failure(adapter, request: ChatRequest) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        adapter.chat(request)
    return info.value


@pytest.mark.parametrize("mode_id", sorted(BAD_SECRETS))
def test_it_maps_a_bad_key_to_auth(sandbox, mode_id: str) -> None:
    mode = BY_ID[mode_id]
    bad = BAD_SECRETS[mode_id]
    error = failure(get_adapter(mode.connection(sandbox.url, secrets=bad)), hello(mode.chat_model))
    assert error.kind == ErrorKind.AUTH
    assert error.permanent
    assert error.status_code in (400, 401, 403)
    for value in bad.values():
        assert value not in str(error)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_maps_an_unknown_model_to_not_found(sandbox, mode: Mode) -> None:
    missing = "anthropic.claude-missing-v1:0" if mode.id.startswith("bedrock") else "no-such-model"
    error = failure(get_adapter(mode.connection(sandbox.url)), hello(missing))
    assert error.kind == ErrorKind.NOT_FOUND
    assert error.permanent
    assert error.message


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_maps_throttling_with_its_retry_hint(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url))
    adapter.chat(hello(mode.chat_model))  # a service-account token is fetched before the fault
    sandbox.set_faults(mode.fault_provider, kind="throttle", fail_next=1, retry_after_s=7)
    error = failure(adapter, hello(mode.chat_model))
    assert error.kind == ErrorKind.THROTTLED
    assert error.retryable
    assert error.status_code == 429
    assert error.retry_after == pytest.approx(7, abs=1)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_maps_a_server_error(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url))
    adapter.chat(hello(mode.chat_model))
    sandbox.set_faults(mode.fault_provider, kind="server_error", fail_next=1)
    with outbound_scope() as scope:
        error = failure(adapter, hello(mode.chat_model))
    assert error.kind == ErrorKind.SERVER
    assert error.retryable
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert row.status_code >= 500


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_maps_a_malformed_answer(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url))
    adapter.chat(hello(mode.chat_model))
    sandbox.set_faults(mode.fault_provider, kind="malformed", fail_next=1)
    error = failure(adapter, hello(mode.chat_model))
    assert error.kind == ErrorKind.MALFORMED
    assert error.retryable


@pytest.mark.parametrize(
    "mode",
    [BY_ID[i] for i in ("azure_deployments", "bedrock_converse", "gemini_api", "generic_llm")],
    ids=lambda m: m.id,
)
def test_it_maps_a_hang_to_timeout_and_logs_the_attempt(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url, timeout_seconds=1))
    sandbox.set_faults(mode.fault_provider, kind="hang", fail_next=1, hang_s=3)
    with outbound_scope() as scope:
        error = failure(adapter, hello(mode.chat_model))
    assert error.kind == ErrorKind.TIMEOUT
    assert error.retryable
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert row.status_code is None
    assert "timeout" in row.error.lower() or "timed out" in row.error.lower()


@pytest.mark.parametrize(
    "mode",
    [BY_ID[i] for i in ("azure_deployments", "bedrock_converse", "gemini_api", "generic_llm")],
    ids=lambda m: m.id,
)
def test_it_maps_a_connection_reset_to_network(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url))
    sandbox.set_faults(mode.fault_provider, kind="reset", fail_next=1)
    error = failure(adapter, hello(mode.chat_model))
    assert error.kind == ErrorKind.NETWORK
    assert error.retryable


def test_it_maps_an_unreachable_endpoint_to_network(db) -> None:
    mode = BY_ID["azure_deployments"]
    error = failure(get_adapter(mode.connection("http://127.0.0.1:9")), hello(mode.chat_model))
    assert error.kind == ErrorKind.NETWORK
