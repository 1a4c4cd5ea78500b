"""Writing a chat completion: the JSON body and the SSE stream, with Azure's content-filter
results when ``azure=True``. Shared by Azure and the ``/v1`` API."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from sandbox import content, faults
from sandbox.common import json_response, new_id

_SAFE = {"filtered": False, "severity": "safe"}


CONTENT_FILTER_RESULTS = {
    "hate": _SAFE,
    "self_harm": _SAFE,
    "sexual": _SAFE,
    "violence": _SAFE,
}


PROMPT_FILTER_RESULTS = [
    {
        "prompt_index": 0,
        "content_filter_results": {
            **CONTENT_FILTER_RESULTS,
            "jailbreak": {"filtered": False, "detected": False},
        },
    }
]


_FINISH = {"stop": "stop", "length": "length", "tool": "tool_calls"}


def usage(reply: content.Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.total_tokens,
    }


def completion_body(
    prompt: content.Prompt, reply: content.Reply, model: str, *, azure: bool
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.tool_name:
        message["tool_calls"] = [
            {
                "id": prompt.call_id(reply.tool_name, "call_", 24),
                "type": "function",
                "function": {"name": reply.tool_name, "arguments": json.dumps(reply.tool_args)},
            }
        ]
    choice: dict[str, Any] = {
        "index": 0,
        "finish_reason": _FINISH[reply.finish],
        "logprobs": None,
        "message": message,
    }
    body: dict[str, Any] = {
        "id": new_id("chatcmpl-", 29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_sandbox",
        "choices": [choice],
        "usage": usage(reply),
    }
    if azure:
        choice["content_filter_results"] = CONTENT_FILTER_RESULTS
        body["prompt_filter_results"] = PROMPT_FILTER_RESULTS
    return body


def _sse(data: dict[str, Any] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()


def stream_events(
    prompt: content.Prompt,
    reply: content.Reply,
    model: str,
    *,
    azure: bool,
    include_usage: bool,
) -> list[bytes]:
    """Every SSE event of a streamed completion, in order, ending with ``[DONE]``."""
    envelope = {
        "id": new_id("chatcmpl-", 29),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_sandbox",
    }
    events: list[bytes] = []
    if azure:
        events.append(
            _sse(
                {
                    "choices": [],
                    "created": 0,
                    "id": "",
                    "model": "",
                    "object": "",
                    "prompt_filter_results": PROMPT_FILTER_RESULTS,
                }
            )
        )

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice: dict[str, Any] = {
            "index": 0,
            "delta": delta,
            "finish_reason": finish,
            "logprobs": None,
        }
        if azure:
            choice["content_filter_results"] = (
                {} if finish or not delta.get("content") else (CONTENT_FILTER_RESULTS)
            )
        data: dict[str, Any] = {**envelope, "choices": [choice]}
        if include_usage and not azure:
            data["usage"] = None
        return _sse(data)

    if reply.tool_name:
        events.append(chunk({"role": "assistant", "content": None}))
        arguments = json.dumps(reply.tool_args)
        events.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": prompt.call_id(reply.tool_name, "call_", 24),
                            "type": "function",
                            "function": {"name": reply.tool_name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        for piece in content.split_even(arguments, 3):
            events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    else:
        events.append(chunk({"role": "assistant", "content": ""}))
        for piece in content.split_chunks(reply.text or ""):
            events.append(chunk({"content": piece}))
    events.append(chunk({}, _FINISH[reply.finish]))
    if include_usage:
        events.append(_sse({**envelope, "choices": [], "usage": usage(reply)}))
    events.append(_sse("[DONE]"))
    return events


async def _send_stream(
    request: web.Request, events: list[bytes], headers: dict[str, str]
) -> web.StreamResponse:
    return await faults.stream(
        request,
        events,
        {
            **headers,
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
        },
    )


async def send_completion(
    request: web.Request,
    body: dict[str, Any],
    prompt: content.Prompt,
    reply: content.Reply,
    model: str,
    *,
    azure: bool,
    headers: dict[str, str],
) -> web.StreamResponse:
    """The completion as the request asked for it: an SSE stream (with a final usage chunk
    under ``stream_options.include_usage``) or one JSON body."""
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = stream_events(prompt, reply, model, azure=azure, include_usage=include_usage)
        return await _send_stream(request, events, headers)
    return json_response(completion_body(prompt, reply, model, azure=azure), headers=headers)
