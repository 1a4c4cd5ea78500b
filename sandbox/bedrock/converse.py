"""The Converse API (and ConverseStream): its checks, the turn of its messages into the neutral
prompt, and the answer as one body or as event-stream events."""

from __future__ import annotations

import json
from typing import Any

from sandbox import content, eventstream
from sandbox.bedrock.claude import STOP_REASONS, wants_json
from sandbox.bedrock.metrics import elapsed_ms


def validate_converse(body: dict[str, Any]) -> str | None:
    """The message Converse answers 400 with, or None for a body it accepts."""
    messages = body.get("messages")
    if not messages or messages[0].get("role") != "user":
        return (
            "A conversation must start with a user message. Try again with a conversation that "
            "starts with a user message."
        )
    return None


def parse_converse(body: dict[str, Any]) -> content.Prompt:
    system = "\n".join(b.get("text", "") for b in body.get("system") or [] if isinstance(b, dict))
    transcript = content.Transcript()
    for message in body.get("messages") or []:
        texts = []
        results = []
        for block in message.get("content") or []:
            if "text" in block:
                texts.append(block["text"])
            elif "toolUse" in block:
                use = block["toolUse"]
                transcript.call(
                    json.dumps(use.get("input", {})),
                    call_id=use.get("toolUseId", ""),
                    name=use.get("name", ""),
                )
            elif "toolResult" in block:
                result = block["toolResult"]
                parts = []
                for item in result.get("content") or []:
                    if "text" in item:
                        parts.append(item["text"])
                    elif "json" in item:
                        parts.append(json.dumps(item["json"]))
                results.append((transcript.tool_name(result.get("toolUseId", "")), " ".join(parts)))
        transcript.turn(texts, results, from_caller=message.get("role") == "user")
    tool_config = body.get("toolConfig") or {}
    tools = []
    for tool in tool_config.get("tools") or []:
        spec = tool.get("toolSpec")
        if spec:
            tools.append(
                content.Tool(
                    spec["name"],
                    spec.get("description") or "",
                    (spec.get("inputSchema") or {}).get("json") or {},
                )
            )
    choice = tool_config.get("toolChoice") or {}
    inference = body.get("inferenceConfig") or {}
    return transcript.prompt(
        system=system,
        tools=tools,
        max_tokens=inference.get("maxTokens"),
        json_mode=wants_json(system, transcript.user_text),
        forced_tool=(choice.get("tool") or {}).get("name"),
    )


def _metering(reply: content.Reply, started: float) -> dict[str, Any]:
    """Token usage and latency: the tail of a Converse body and the stream's metadata event."""
    return {
        "usage": {
            "inputTokens": reply.prompt_tokens,
            "outputTokens": reply.completion_tokens,
            "totalTokens": reply.total_tokens,
        },
        "metrics": {"latencyMs": elapsed_ms(started)},
    }


def converse_body(prompt: content.Prompt, reply: content.Reply, started: float) -> dict[str, Any]:
    if reply.tool_name:
        block = {
            "toolUse": {
                "toolUseId": prompt.call_id(reply.tool_name, "tooluse_", 22),
                "name": reply.tool_name,
                "input": reply.tool_args,
            }
        }
    else:
        block = {"text": reply.text or ""}
    return {
        "output": {"message": {"role": "assistant", "content": [block]}},
        "stopReason": STOP_REASONS[reply.finish],
        **_metering(reply, started),
    }


def converse_stream_events(
    prompt: content.Prompt, reply: content.Reply, started: float
) -> list[bytes]:
    events = [eventstream.event("messageStart", {"role": "assistant"})]
    if reply.tool_name:
        events.append(
            eventstream.event(
                "contentBlockStart",
                {
                    "contentBlockIndex": 0,
                    "start": {
                        "toolUse": {
                            "toolUseId": prompt.call_id(reply.tool_name, "tooluse_", 22),
                            "name": reply.tool_name,
                        }
                    },
                },
            )
        )
        for piece in content.split_even(json.dumps(reply.tool_args), 2):
            events.append(
                eventstream.event(
                    "contentBlockDelta",
                    {"contentBlockIndex": 0, "delta": {"toolUse": {"input": piece}}},
                )
            )
    else:
        for piece in content.split_chunks(reply.text or ""):
            events.append(
                eventstream.event(
                    "contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}}
                )
            )
    events.append(eventstream.event("contentBlockStop", {"contentBlockIndex": 0}))
    events.append(eventstream.event("messageStop", {"stopReason": STOP_REASONS[reply.finish]}))
    events.append(eventstream.event("metadata", _metering(reply, started)))
    return events
