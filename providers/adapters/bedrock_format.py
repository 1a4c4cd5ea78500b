"""Neutral chat ↔ Bedrock Converse and Anthropic Messages (InvokeModel) bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from providers.adapters.base import (
    ChatRequest,
    ChatResult,
    ErrorKind,
    ProviderError,
    StreamEvent,
    ToolCall,
    Usage,
)

ANTHROPIC_VERSION = "bedrock-2023-05-31"
DEFAULT_MAX_TOKENS = 1024
JSON_INSTRUCTION = "Answer with one JSON object only, no prose and no code fences."
FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}


def _system(request: ChatRequest) -> str:
    parts = [request.system] if request.system else []
    parts += [m.content for m in request.messages if m.role == "system"]
    if request.response_format == "json":
        parts.append(JSON_INSTRUCTION)
    return "\n\n".join(p for p in parts if p)


def _grouped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge consecutive turns of the same role (both APIs require alternation)."""
    out: list[dict[str, Any]] = []
    for item in items:
        if out and out[-1]["role"] == item["role"]:
            out[-1]["content"].extend(item["content"])
        else:
            out.append(item)
    return out


# -- Converse ------------------------------------------------------------------------------------


def converse_params(request: ChatRequest) -> dict[str, Any]:
    turns: list[dict[str, Any]] = []
    for m in request.messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"toolResult": {"toolUseId": m.tool_call_id, "content": [{"text": m.content}]}}
            turns.append({"role": "user", "content": [block]})
        elif m.role == "assistant":
            content: list[dict[str, Any]] = [{"text": m.content}] if m.content else []
            content += [
                {"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments}}
                for c in m.tool_calls
            ]
            turns.append({"role": "assistant", "content": content})
        else:
            turns.append({"role": "user", "content": [{"text": m.content}]})
    params: dict[str, Any] = {"modelId": request.model, "messages": _grouped(turns)}
    system = _system(request)
    if system:
        params["system"] = [{"text": system}]
    config: dict[str, Any] = {}
    if request.max_tokens is not None:
        config["maxTokens"] = request.max_tokens
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if config:
        params["inferenceConfig"] = config
    if request.tools and request.tool_choice != "none":
        params["toolConfig"] = {
            "tools": [
                {
                    "toolSpec": {
                        "name": t.name,
                        "description": t.description or t.name,
                        "inputSchema": {"json": t.parameters},
                    }
                }
                for t in request.tools
            ],
            "toolChoice": {"any": {}} if request.tool_choice == "any" else {"auto": {}},
        }
    return params


def from_converse(answer: dict[str, Any]) -> ChatResult:
    message = (answer.get("output") or {}).get("message")
    if not isinstance(message, dict) or "stopReason" not in answer:
        # botocore hands back an unparsable body as {"message": <text>} instead of raising.
        raise ProviderError(
            "Amazon Bedrock sent a response that could not be parsed.",
            kind=ErrorKind.MALFORMED,
            provider_request_id=answer.get("ResponseMetadata", {}).get("RequestId", ""),
        )
    text: list[str] = []
    calls: list[ToolCall] = []
    for block in message.get("content") or []:
        if "text" in block:
            text.append(block["text"])
        elif "toolUse" in block:
            use = block["toolUse"]
            calls.append(ToolCall(id=use["toolUseId"], name=use["name"], arguments=use["input"]))
    usage = answer.get("usage") or {}
    return ChatResult(
        text="".join(text),
        tool_calls=tuple(calls),
        usage=Usage(usage.get("inputTokens", 0), usage.get("outputTokens", 0)),
        finish_reason=FINISH.get(answer.get("stopReason", ""), "other"),
        provider_request_id=answer.get("ResponseMetadata", {}).get("RequestId", ""),
    )


def converse_stream(answer: dict[str, Any]) -> Iterator[StreamEvent]:
    text: list[str] = []
    tools: dict[int, dict[str, str]] = {}
    finish = ""
    usage = Usage()
    for event in answer["stream"]:
        if "contentBlockStart" in event:
            start = event["contentBlockStart"].get("start", {}).get("toolUse")
            if start:
                index = event["contentBlockStart"]["contentBlockIndex"]
                tools[index] = {"id": start["toolUseId"], "name": start["name"], "input": ""}
        elif "contentBlockDelta" in event:
            delta = event["contentBlockDelta"]["delta"]
            index = event["contentBlockDelta"].get("contentBlockIndex", 0)
            if "text" in delta:
                text.append(delta["text"])
                yield StreamEvent(delta=delta["text"])
            elif "toolUse" in delta and index in tools:
                tools[index]["input"] += delta["toolUse"].get("input", "")
        elif "messageStop" in event:
            finish = FINISH.get(event["messageStop"].get("stopReason", ""), "other")
        elif "metadata" in event:
            u = event["metadata"].get("usage", {})
            usage = Usage(u.get("inputTokens", 0), u.get("outputTokens", 0))
    yield StreamEvent(
        result=ChatResult(
            text="".join(text),
            tool_calls=tuple(
                ToolCall(id=t["id"], name=t["name"], arguments=_loads(t["input"]))
                for _, t in sorted(tools.items())
            ),
            usage=usage,
            finish_reason=finish,
            provider_request_id=answer.get("ResponseMetadata", {}).get("RequestId", ""),
        )
    )


# -- InvokeModel (Anthropic Messages) -------------------------------------------------------------


def anthropic_body(request: ChatRequest) -> dict[str, Any]:
    turns: list[dict[str, Any]] = []
    for m in request.messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            turns.append({"role": "user", "content": [block]})
        elif m.role == "assistant":
            content: list[dict[str, Any]] = (
                [{"type": "text", "text": m.content}] if m.content else []
            )
            content += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in m.tool_calls
            ]
            turns.append({"role": "assistant", "content": content})
        else:
            turns.append({"role": "user", "content": [{"type": "text", "text": m.content}]})
    body: dict[str, Any] = {
        "anthropic_version": ANTHROPIC_VERSION,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": _grouped(turns),
    }
    system = _system(request)
    if system:
        body["system"] = system
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.tools and request.tool_choice != "none":
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in request.tools
        ]
        body["tool_choice"] = {"type": "any" if request.tool_choice == "any" else "auto"}
    return body


def from_anthropic(data: dict[str, Any], metadata: dict[str, Any]) -> ChatResult:
    if not isinstance(data, dict) or "content" not in data:
        raise ProviderError(
            "Amazon Bedrock sent a response without content.", kind=ErrorKind.MALFORMED
        )
    text = "".join(b.get("text", "") for b in data["content"] if b.get("type") == "text")
    calls = tuple(
        ToolCall(id=b["id"], name=b["name"], arguments=b.get("input") or {})
        for b in data["content"]
        if b.get("type") == "tool_use"
    )
    usage = data.get("usage") or {}
    return ChatResult(
        text=text,
        tool_calls=calls,
        usage=Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
        finish_reason=FINISH.get(data.get("stop_reason") or "", "other"),
        provider_request_id=metadata.get("RequestId", ""),
        model=data.get("model", ""),
    )


def anthropic_stream(answer: dict[str, Any]) -> Iterator[StreamEvent]:
    text: list[str] = []
    tools: dict[int, dict[str, str]] = {}
    finish = ""
    prompt_tokens = completion_tokens = 0
    model = ""
    for event in answer["body"]:
        chunk = event.get("chunk")
        if not chunk:
            continue
        data = json.loads(chunk["bytes"])
        kind = data.get("type")
        if kind == "message_start":
            message = data.get("message", {})
            model = message.get("model", "")
            prompt_tokens = message.get("usage", {}).get("input_tokens", 0)
        elif kind == "content_block_start":
            block = data.get("content_block", {})
            if block.get("type") == "tool_use":
                tools[data["index"]] = {"id": block["id"], "name": block["name"], "input": ""}
        elif kind == "content_block_delta":
            delta = data.get("delta", {})
            if delta.get("type") == "text_delta":
                text.append(delta["text"])
                yield StreamEvent(delta=delta["text"])
            elif delta.get("type") == "input_json_delta" and data.get("index") in tools:
                tools[data["index"]]["input"] += delta.get("partial_json", "")
        elif kind == "message_delta":
            finish = FINISH.get(data.get("delta", {}).get("stop_reason") or "", "other")
            completion_tokens = data.get("usage", {}).get("output_tokens", completion_tokens)
        elif kind == "message_stop":
            metrics = data.get("amazon-bedrock-invocationMetrics") or {}
            prompt_tokens = metrics.get("inputTokenCount", prompt_tokens)
            completion_tokens = metrics.get("outputTokenCount", completion_tokens)
    yield StreamEvent(
        result=ChatResult(
            text="".join(text),
            tool_calls=tuple(
                ToolCall(id=t["id"], name=t["name"], arguments=_loads(t["input"]))
                for _, t in sorted(tools.items())
            ),
            usage=Usage(prompt_tokens, completion_tokens),
            finish_reason=finish,
            provider_request_id=answer.get("ResponseMetadata", {}).get("RequestId", ""),
            model=model,
        )
    )


def _loads(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"value": value}
