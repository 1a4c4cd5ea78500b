"""InvokeModel (and its response stream) with the Anthropic Messages body Claude takes on
Bedrock: its checks, the turn into the neutral prompt, and the answer as one body or as
event-stream chunks."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from sandbox import content, eventstream
from sandbox.bedrock.claude import STOP_REASONS, anthropic_name, wants_json
from sandbox.bedrock.metrics import elapsed_ms
from sandbox.common import new_id

ANTHROPIC_VERSION = "bedrock-2023-05-31"


# Claude 4.5+ models refuse temperature and top_p together.
_NO_TEMP_AND_TOP_P = re.compile(r"claude-(sonnet|haiku|opus)-4-([5-9]|\d\d)")


def _anthropic_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(
            b.get("text", "") for b in value if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def parse_anthropic(body: dict[str, Any]) -> content.Prompt:
    system = _anthropic_text(body.get("system"))
    transcript = content.Transcript()
    for message in body.get("messages") or []:
        blocks = message.get("content")
        if isinstance(blocks, str):
            blocks = [{"type": "text", "text": blocks}]
        texts = []
        results = []
        for block in blocks or []:
            kind = block.get("type")
            if kind == "text":
                texts.append(block.get("text", ""))
            elif kind == "tool_use":
                transcript.call(
                    json.dumps(block.get("input", {})),
                    call_id=block.get("id", ""),
                    name=block.get("name", ""),
                )
            elif kind == "tool_result":
                results.append(
                    (
                        transcript.tool_name(block.get("tool_use_id", "")),
                        _anthropic_text(block.get("content")),
                    )
                )
        transcript.turn(texts, results, from_caller=message.get("role") == "user")
    tools = [
        content.Tool(t["name"], t.get("description") or "", t.get("input_schema") or {})
        for t in body.get("tools") or []
        if t.get("name")
    ]
    choice = body.get("tool_choice") or {}
    return transcript.prompt(
        system=system,
        tools=tools,
        max_tokens=body.get("max_tokens"),
        json_mode=wants_json(system, transcript.user_text),
        forced_tool=choice.get("name") if choice.get("type") == "tool" else None,
        tool_choice_none=choice.get("type") == "none",
    )


def validate_anthropic(body: dict[str, Any], model_id: str) -> str | None:
    """The message InvokeModel answers 400 with, or None for a body the model accepts."""
    for key in ("anthropic_version", "max_tokens", "messages"):
        if key not in body:
            return (
                f"Malformed input request: #: required key [{key}] not found, "
                "please reformat your input and try again."
            )
    if body["anthropic_version"] != ANTHROPIC_VERSION:
        return (
            f"Malformed input request: #/anthropic_version: {body['anthropic_version']} is not a "
            "valid enum value, please reformat your input and try again."
        )
    if "temperature" in body and "top_p" in body and _NO_TEMP_AND_TOP_P.search(model_id):
        return (
            "The model returned the following errors: `temperature` and `top_p` cannot both be "
            "specified for this model. Please use only one."
        )
    return None


def anthropic_body(prompt: content.Prompt, reply: content.Reply, model_id: str) -> dict[str, Any]:
    if reply.tool_name:
        blocks = [
            {
                "type": "tool_use",
                "id": prompt.call_id(reply.tool_name, "toolu_bdrk_", 22),
                "name": reply.tool_name,
                "input": reply.tool_args,
            }
        ]
    else:
        blocks = [{"type": "text", "text": reply.text or ""}]
    return {
        "id": new_id("msg_bdrk_", 24),
        "type": "message",
        "role": "assistant",
        "model": anthropic_name(model_id),
        "content": blocks,
        "stop_reason": STOP_REASONS[reply.finish],
        "stop_sequence": None,
        "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": reply.completion_tokens},
    }


def anthropic_stream_events(
    prompt: content.Prompt, reply: content.Reply, model_id: str, started: float
) -> list[bytes]:
    def chunk(data: dict[str, Any]) -> bytes:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return eventstream.event("chunk", {"bytes": base64.b64encode(raw).decode()})

    message = anthropic_body(prompt, reply, model_id)
    events = [
        chunk(
            {
                "type": "message_start",
                "message": {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": 1},
                },
            }
        )
    ]
    if reply.tool_name:
        block = dict(message["content"][0], input={})
        events.append(chunk({"type": "content_block_start", "index": 0, "content_block": block}))
        for piece in content.split_even(json.dumps(reply.tool_args), 2):
            events.append(
                chunk(
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    }
                )
            )
    else:
        events.append(
            chunk(
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                }
            )
        )
        for piece in content.split_chunks(reply.text or ""):
            events.append(
                chunk(
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": piece},
                    }
                )
            )
    events.append(chunk({"type": "content_block_stop", "index": 0}))
    events.append(
        chunk(
            {
                "type": "message_delta",
                "delta": {"stop_reason": STOP_REASONS[reply.finish], "stop_sequence": None},
                "usage": {"output_tokens": reply.completion_tokens},
            }
        )
    )
    latency = elapsed_ms(started)
    events.append(
        chunk(
            {
                "type": "message_stop",
                "amazon-bedrock-invocationMetrics": {
                    "inputTokenCount": reply.prompt_tokens,
                    "outputTokenCount": reply.completion_tokens,
                    "invocationLatency": latency,
                    "firstByteLatency": latency,
                },
            }
        )
    )
    return events
