"""Amazon Bedrock Runtime (Claude): Converse, ConverseStream, InvokeModel (+ stream), CountTokens.

Requests are authenticated like AWS does it: SigV4 over the double-encoded path (the region of
the credential scope must be one the key may use), temporary credentials with their session
token, or a Bedrock API key as ``Authorization: Bearer`` (accepted over TLS only, as botocore
refuses it over http anyway). Errors carry ``x-amzn-ErrorType`` + ``{"message"}`` so botocore
raises the modelled exception classes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from sandbox import aws_identity, content, eventstream, faults, sigv4
from sandbox.common import bearer, json_response, new_id, new_request_id, state
from sandbox.config import FaultSpec
from sandbox.tags import tag

PROVIDER = "aws_bedrock"
PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "global.", "us-gov.", "ca.", "au.")
ANTHROPIC_VERSION = "bedrock-2023-05-31"
# Claude 4.5+ models refuse temperature and top_p together.
_NO_TEMP_AND_TOP_P = re.compile(r"claude-(sonnet|haiku|opus)-4-([5-9]|\d\d)")
_PATH_RE = re.compile(
    r"^/model/(?P<model>[^/]+)/"
    r"(?P<op>converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$"
)
_OPERATIONS = {
    "converse": "Converse",
    "converse-stream": "ConverseStream",
    "invoke": "InvokeModel",
    "invoke-with-response-stream": "InvokeModelWithResponseStream",
    "count-tokens": "CountTokens",
}
_STOP = {"stop": "end_turn", "length": "max_tokens", "tool": "tool_use"}
INVALID_TOKEN = "The security token included in the request is invalid."


def aws_error(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    return json_response(
        {"message": message},
        status=status,
        headers={
            "x-amzn-RequestId": new_request_id(),
            "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.bedrock/",
            **(headers or {}),
        },
    )


def render_fault(kind: str, spec: FaultSpec, *, stream: bool = False) -> web.StreamResponse:
    if kind == "throttle":
        # Bedrock sends no retry hint; the sandbox adds Retry-After so the delay is testable.
        return aws_error(
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
            {"Retry-After": str(max(1, round(spec.retry_after_s)))},
        )
    if kind == "malformed":
        if stream:
            good = eventstream.event("messageStart", {"role": "assistant"})
            body = good[:-1] + bytes([good[-1] ^ 0xFF])  # bad message CRC
            return web.Response(
                body=body, headers={"Content-Type": "application/vnd.amazon.eventstream"}
            )
        return faults.truncated_json(
            b'{"output":{"message":{"role":"assistant","content":[{"text"',
            {"x-amzn-RequestId": new_request_id()},
        )
    return aws_error(
        500,
        "InternalServerException",
        "The system encountered an unexpected error during processing. Try your request again.",
    )


def resolve_model(model_id: str, models: list[str]) -> str | None:
    """Strip an inference-profile prefix or ARN to find the foundation model id."""
    candidate = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    for prefix in PROFILE_PREFIXES:
        if candidate.startswith(prefix):
            candidate = candidate[len(prefix) :]
            break
    return candidate if candidate in models else None


def anthropic_name(model_id: str) -> str:
    """``anthropic.claude-sonnet-4-5-20250929-v1:0`` → ``claude-sonnet-4-5-20250929``."""
    name = model_id.removeprefix("anthropic.")
    return re.sub(r"-v\d+(:\d+)?$", "", name)


# --- authentication ------------------------------------------------------------------------------


def _authenticate(request: web.Request, body: bytes) -> str | web.Response:
    """Return the AWS account id, or the error response AWS would send."""
    aws = state(request).config.aws
    token = bearer(request)
    if token is not None:
        if not request.secure:
            return aws_error(
                403, "AccessDeniedException", "Bearer token authentication requires HTTPS."
            )
        account = aws.api_keys.get(token)
        if account is None:
            return aws_error(403, "UnrecognizedClientException", INVALID_TOKEN)
        tag(request, account=account, auth="api_key")
        return account

    try:
        cred, region = aws_identity.verify_signed(request, body, "bedrock")
    except sigv4.SigV4Error as exc:
        return aws_error(exc.status, exc.code, exc.message)
    if region not in cred.regions:
        # What AWS answers when the key's account cannot use that region.
        return aws_error(403, "UnrecognizedClientException", INVALID_TOKEN)
    return cred.account_id


# --- request parsing ------------------------------------------------------------------------------


def _wants_json(*texts: str) -> bool:
    return any(re.search(r"\bjson\b", t or "", re.I) for t in texts)


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
        json_mode=_wants_json(system, transcript.user_text),
        forced_tool=(choice.get("tool") or {}).get("name"),
    )


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
        json_mode=_wants_json(system, transcript.user_text),
        forced_tool=choice.get("name") if choice.get("type") == "tool" else None,
        tool_choice_none=choice.get("type") == "none",
    )


def _validate_anthropic(body: dict[str, Any], model_id: str) -> str | None:
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


def _validate_converse(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not messages:
        return (
            "A conversation must start with a user message. Try again with a conversation that "
            "starts with a user message."
        )
    if messages[0].get("role") != "user":
        return (
            "A conversation must start with a user message. Try again with a conversation that "
            "starts with a user message."
        )
    return None


# --- response building ---------------------------------------------------------------------------


def _headers(reply: content.Reply, started: float) -> dict[str, str]:
    return {
        "x-amzn-RequestId": new_request_id(),
        "X-Amzn-Bedrock-Input-Token-Count": str(reply.prompt_tokens),
        "X-Amzn-Bedrock-Output-Token-Count": str(reply.completion_tokens),
        "X-Amzn-Bedrock-Invocation-Latency": str(_elapsed_ms(started)),
    }


def _elapsed_ms(started: float) -> int:
    return max(1, int((time.perf_counter() - started) * 1000))


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
        "stopReason": _STOP[reply.finish],
        "usage": {
            "inputTokens": reply.prompt_tokens,
            "outputTokens": reply.completion_tokens,
            "totalTokens": reply.total_tokens,
        },
        "metrics": {"latencyMs": _elapsed_ms(started)},
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
    events.append(eventstream.event("messageStop", {"stopReason": _STOP[reply.finish]}))
    events.append(
        eventstream.event(
            "metadata",
            {
                "usage": {
                    "inputTokens": reply.prompt_tokens,
                    "outputTokens": reply.completion_tokens,
                    "totalTokens": reply.total_tokens,
                },
                "metrics": {"latencyMs": _elapsed_ms(started)},
            },
        )
    )
    return events


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
        "stop_reason": _STOP[reply.finish],
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
                "delta": {"stop_reason": _STOP[reply.finish], "stop_sequence": None},
                "usage": {"output_tokens": reply.completion_tokens},
            }
        )
    )
    latency = _elapsed_ms(started)
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


async def _send_events(
    request: web.Request, events: list[bytes], headers: dict[str, str]
) -> web.StreamResponse:
    return await faults.stream(
        request,
        events,
        {
            **headers,
            "Content-Type": "application/vnd.amazon.eventstream",
            "X-Amzn-Bedrock-Content-Type": "application/json",
        },
    )


# --- handler -------------------------------------------------------------------------------------


async def handle(request: web.Request) -> web.StreamResponse:
    """Dispatch ``/model/{modelId}/{operation}`` (the id is URL-decoded from the raw path)."""
    started = time.perf_counter()
    tag(request, provider=PROVIDER)
    raw_path = request.raw_path.partition("?")[0]
    match = _PATH_RE.match(raw_path)
    if not match:
        return aws_error(404, "UnknownOperationException", "Unknown operation")
    model_id = unquote(match.group("model"))
    op = match.group("op")
    tag(request, operation=_OPERATIONS[op], model=model_id)
    raw = await request.read()
    account = _authenticate(request, raw)
    if isinstance(account, web.Response):
        return account
    sandbox = state(request)
    foundation = resolve_model(model_id, sandbox.config.aws.models)
    if foundation is None:
        return aws_error(400, "ValidationException", "The provided model identifier is invalid.")
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return aws_error(
            400,
            "ValidationException",
            "Malformed input request, please reformat your input and try again.",
        )

    if op == "count-tokens":
        # Faults apply here too: count-tokens is what health checks call.
        fault = await faults.apply(request, sandbox.faults, PROVIDER, render_fault)
        return fault if fault is not None else _count_tokens(body)

    streaming = op in ("converse-stream", "invoke-with-response-stream")
    if op in ("converse", "converse-stream"):
        problem = _validate_converse(body)
        prompt = parse_converse(body)
    else:
        problem = _validate_anthropic(body, foundation)
        prompt = parse_anthropic(body)
    if problem:
        return aws_error(400, "ValidationException", problem)
    render = functools.partial(render_fault, stream=streaming)
    fault = await faults.apply(request, sandbox.faults, PROVIDER, render)
    if fault is not None:
        return fault
    reply = content.respond(prompt)
    headers = _headers(reply, started)
    if op == "converse":
        return json_response(converse_body(prompt, reply, started), headers=headers)
    if op == "converse-stream":
        headers = {"x-amzn-RequestId": headers["x-amzn-RequestId"]}
        return await _send_events(request, converse_stream_events(prompt, reply, started), headers)
    if op == "invoke":
        return json_response(anthropic_body(prompt, reply, foundation), headers=headers)
    headers = {"x-amzn-RequestId": headers["x-amzn-RequestId"]}
    events = anthropic_stream_events(prompt, reply, foundation, started)
    return await _send_events(request, events, headers)


def _count_tokens(body: dict[str, Any]) -> web.Response:
    source = body.get("input") or {}
    if "converse" in source:
        prompt = parse_converse(source["converse"])
    elif "invokeModel" in source:
        try:
            inner = json.loads(base64.b64decode(source["invokeModel"].get("body", "")))
        except (ValueError, binascii.Error):
            return aws_error(400, "ValidationException", "The provided request body is invalid.")
        prompt = parse_anthropic(inner if isinstance(inner, dict) else {})
    else:
        return aws_error(
            400, "ValidationException", "Either invokeModel or converse input must be provided."
        )
    return json_response(
        {"inputTokens": content.prompt_tokens(prompt)},
        headers={"x-amzn-RequestId": new_request_id()},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/model/{tail:.+}", handle)
