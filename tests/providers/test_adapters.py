"""Every provider mode through its real SDK against the sandbox: chat, tools, stream, embed."""

from __future__ import annotations

import pytest

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, ErrorKind, Message, ProviderError, ToolSpec
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from tests.providers.modes import MODES, Mode

pytestmark = pytest.mark.django_db

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather of a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def ask(text: str, **kwargs: object) -> ChatRequest:
    return ChatRequest(model=kwargs.pop("model"), messages=(Message("user", text),), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_chats_and_logs_one_request(sandbox, mode: Mode) -> None:
    connection = mode.connection(sandbox.url)
    with outbound_scope(purpose="invocation", attempt=2) as scope:
        result = get_adapter(connection).chat(
            ask(
                "Summarize incident INC0042: VPN is down in Paris",
                model=mode.chat_model,
                system="Be brief.",
                temperature=0.2,
                max_tokens=200,
            )
        )
    assert "INC0042" in result.text
    assert result.finish_reason == "stop"
    assert result.usage.prompt_tokens > 0
    assert result.usage.completion_tokens > 0
    assert result.provider_request_id
    rows = list(OutboundRequest.objects.filter(pk__in=scope.row_ids, purpose="invocation"))
    assert len(rows) == 1
    row = rows[0]
    assert row.connection_id == connection.pk
    assert row.provider_id == connection.provider_id
    assert row.status_code == 200
    assert row.attempt == 2
    assert row.provider_request_id == result.provider_request_id
    assert row.route == ("oem" if mode.id == "now_llm" else "byok")


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_round_trips_a_tool_call(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url))
    question = Message("user", "What is the weather in Paris?")
    first = adapter.chat(ChatRequest(model=mode.chat_model, messages=(question,), tools=(WEATHER,)))
    assert first.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in first.tool_calls] == [("get_weather", {"city": "Paris"})]
    call = first.tool_calls[0]
    second = adapter.chat(
        ChatRequest(
            model=mode.chat_model,
            messages=(
                question,
                Message("assistant", tool_calls=(call,)),
                Message("tool", '{"temperature_c": 21}', tool_call_id=call.id, name=call.name),
            ),
            tools=(WEATHER,),
        )
    )
    assert not second.tool_calls
    assert "21" in second.text


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_streams_deltas_then_the_whole_answer(sandbox, mode: Mode) -> None:
    connection = mode.connection(sandbox.url)
    with outbound_scope() as scope:
        events = list(
            get_adapter(connection).stream(
                ask("Summarize incident INC0077: printer jam", model=mode.chat_model)
            )
        )
    deltas = [e.delta for e in events if e.delta]
    final = events[-1].result
    assert len(deltas) > 1
    assert final is not None
    assert final.text == "".join(deltas)
    assert "INC0077" in final.text
    assert final.usage.completion_tokens > 0
    row = OutboundRequest.objects.get(pk__in=scope.row_ids, purpose="invocation")
    assert row.status_code == 200
    assert row.provider_request_id == final.provider_request_id


@pytest.mark.parametrize("mode", [m for m in MODES if m.embed_model], ids=lambda m: m.id)
def test_it_embeds_texts(sandbox, mode: Mode) -> None:
    result = get_adapter(mode.connection(sandbox.url)).embed(mode.embed_model, ["alpha", "beta"])
    assert len(result.vectors) == 2
    assert len(result.vectors[0]) > 8
    assert result.vectors[0] != result.vectors[1]


@pytest.mark.parametrize(
    "mode", [m for m in MODES if m.id.startswith("bedrock")], ids=lambda m: m.id
)
def test_it_refuses_embeddings_on_bedrock(sandbox, mode: Mode) -> None:
    with pytest.raises(ProviderError) as info:
        get_adapter(mode.connection(sandbox.url)).embed("x", ["a"])
    assert info.value.kind == ErrorKind.CONFIG


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_asks_for_json(sandbox, mode: Mode) -> None:
    result = get_adapter(mode.connection(sandbox.url)).chat(
        ask(
            "Give the sentiment of 'great service' as JSON",
            model=mode.chat_model,
            response_format="json",
        )
    )
    import json

    assert isinstance(json.loads(result.text), dict)
