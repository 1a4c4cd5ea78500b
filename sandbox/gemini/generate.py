"""The generateContent format: reading a request into the neutral prompt, writing the answer
as one body or as stream chunks (SSE or a JSON array), and countTokens, which reads the same
request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox import content, faults
from sandbox.common import new_id

_FINISH = {"stop": "STOP", "length": "MAX_TOKENS", "tool": "STOP"}


def parts_text(parts: list[dict[str, Any]] | None) -> str:
    """The text parts of a content, joined by newlines."""
    return "\n".join(p.get("text", "") for p in parts or [] if isinstance(p, dict) and "text" in p)


def parse_generate(body: dict[str, Any]) -> content.Prompt:
    system_block = body.get("systemInstruction") or body.get("system_instruction") or {}
    system = parts_text(system_block.get("parts")) if isinstance(system_block, dict) else ""
    transcript = content.Transcript()
    for item in body.get("contents") or []:
        parts = item.get("parts") or []
        for p in parts:
            if "functionCall" in p:
                transcript.call(json.dumps(p["functionCall"].get("args", {})))
        transcript.turn(
            [p["text"] for p in parts if "text" in p and not p.get("thought")],
            [
                (r.get("name", "tool"), json.dumps(r.get("response", {})))
                for r in (p["functionResponse"] for p in parts if "functionResponse" in p)
            ],
            from_caller=item.get("role", "user") == "user",
        )
    tools = []
    for tool in body.get("tools") or []:
        for decl in tool.get("functionDeclarations") or tool.get("function_declarations") or []:
            schema = decl.get("parameters") or decl.get("parametersJsonSchema") or {}
            tools.append(content.Tool(decl["name"], decl.get("description") or "", schema))
    config = body.get("generationConfig") or {}
    calling = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    allowed = calling.get("allowedFunctionNames") or []
    schema = config.get("responseSchema") or config.get("responseJsonSchema")
    return transcript.prompt(
        system=system,
        tools=tools,
        max_tokens=config.get("maxOutputTokens"),
        json_mode=config.get("responseMimeType") == "application/json",
        json_schema=schema if config.get("responseMimeType") == "application/json" else None,
        forced_tool=allowed[0] if len(allowed) == 1 else None,
        tool_choice_none=calling.get("mode") == "NONE",
    )


def _usage(reply: content.Reply, *, final: bool = True) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "promptTokenCount": reply.prompt_tokens,
        "totalTokenCount": reply.total_tokens if final else reply.prompt_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.prompt_tokens}],
    }
    if final:
        usage["candidatesTokenCount"] = reply.completion_tokens
    return usage


def _envelope(model: str, response_id: str, vertex: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"modelVersion": model, "responseId": response_id}
    if vertex:
        body["createTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return body


def generate_body(reply: content.Reply, model: str, *, vertex: bool) -> dict[str, Any]:
    if reply.tool_name:
        parts = [{"functionCall": {"name": reply.tool_name, "args": reply.tool_args}}]
    else:
        parts = [{"text": reply.text or ""}]
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": parts},
                "finishReason": _FINISH[reply.finish],
                "avgLogprobs": -0.1,
                "index": 0,
            }
        ],
        "usageMetadata": _usage(reply),
        **_envelope(model, new_id(length=22), vertex),
    }


def stream_bodies(reply: content.Reply, model: str, *, vertex: bool) -> list[dict[str, Any]]:
    response_id = new_id(length=22)
    if reply.tool_name:
        pieces: list[dict[str, Any]] = [
            {"functionCall": {"name": reply.tool_name, "args": reply.tool_args}}
        ]
    else:
        pieces = [{"text": t} for t in content.split_chunks(reply.text or "")] or [{"text": ""}]
    bodies = []
    for index, part in enumerate(pieces):
        last = index == len(pieces) - 1
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        if last:
            candidate["finishReason"] = _FINISH[reply.finish]
        bodies.append(
            {
                "candidates": [candidate],
                "usageMetadata": _usage(reply, final=last),
                **_envelope(model, response_id, vertex),
            }
        )
    return bodies


async def send_stream(
    request: web.Request, bodies: list[dict[str, Any]], sse: bool
) -> web.StreamResponse:
    """SSE for `alt=sse`; otherwise a streamed JSON array (what other REST clients expect)."""
    data = [json.dumps(body, separators=(",", ":")) for body in bodies]
    if sse:
        chunks = [f"data: {d}\r\n\r\n".encode() for d in data]
        return await faults.stream(request, chunks, {"Content-Type": "text/event-stream"})
    chunks = [(("[" if i == 0 else ",\r\n") + d).encode() for i, d in enumerate(data)]
    return await faults.stream(
        request, chunks, {"Content-Type": "application/json"}, tail=b"]" if data else b"[]"
    )


def count_tokens_response(body: dict[str, Any], vertex: bool) -> dict[str, Any]:
    request = body.get("generateContentRequest") or body
    prompt = parse_generate(request)
    total = content.prompt_tokens(prompt)
    result: dict[str, Any] = {
        "totalTokens": total,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
    }
    if vertex:
        result["totalBillableCharacters"] = len((prompt.system + prompt.all_text).replace(" ", ""))
    return result
