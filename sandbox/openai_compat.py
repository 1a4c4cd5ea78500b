"""OpenAI chat-completions / embeddings wire format, shared by Azure and the generic LLM.

Azure OpenAI speaks the same format with a few additions (content-filter results, the first
prompt-filter chunk when streaming, ``model`` = real model version), so this module builds the
bodies and streams and takes ``azure=True`` for those. It also serves the OpenAI-compatible
``/v1/...`` API of the platform ``now_llm`` service and of a generic LLM.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from sandbox import content, faults
from sandbox.common import bearer, json_response, mask, new_id, read_json, state
from sandbox.config import FaultSpec, OpenAICompatAccount
from sandbox.tags import tag

PROVIDER = "openai_compatible"

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

EMBEDDING_DIMENSIONS = {
    "text-embedding-3-large": 3072,
    "text-embedding-3-small": 1536,
    "text-embedding-ada-002": 1536,
    "bge-m3": 1024,
    "now-llm-embed": 1024,
}


def is_embedding_model(model: str) -> bool:
    return "embed" in model or model in EMBEDDING_DIMENSIONS


def embedding_dimensions(model: str) -> int:
    return EMBEDDING_DIMENSIONS.get(model, 1536)


# --- request parsing -------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    """Message content: a string or a list of parts (only text parts count)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if isinstance(part, dict) and part.get("type") in ("text", "input_text"):
                texts.append(str(part.get("text", "")))
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    return str(value)


def validate_chat(body: dict[str, Any]) -> str | None:
    """Return an error message for a request the real API would reject, else None."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return (
            "'messages' is a required property"
            if messages is None
            else ("[] is too short - 'messages'")
        )
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ):
            return f"Invalid value for 'messages[{index}].role'."
    return None


def parse_chat(body: dict[str, Any]) -> content.Prompt:
    """Turn a chat-completions request into the neutral prompt."""
    system_parts: list[str] = []
    transcript = content.Transcript()
    for message in body.get("messages") or []:
        role = message.get("role")
        text = _text_of(message.get("content"))
        if role in ("system", "developer"):
            system_parts.append(text)
        elif role in ("tool", "function"):
            name = message.get("name") or transcript.tool_name(message.get("tool_call_id", ""))
            transcript.turn([], [(name, text)], from_caller=True)
        else:
            transcript.turn([text], [], from_caller=role == "user")
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                transcript.call(
                    str(function.get("arguments", "")),
                    call_id=call.get("id", ""),
                    name=function.get("name", ""),
                )
    tools = []
    for tool in body.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("name"):
            tools.append(
                content.Tool(
                    name=function["name"],
                    description=function.get("description") or "",
                    schema=function.get("parameters") or {},
                )
            )
    for function in body.get("functions") or []:
        tools.append(
            content.Tool(
                function["name"],
                function.get("description") or "",
                function.get("parameters") or {},
            )
        )
    choice = body.get("tool_choice")
    forced = None
    if isinstance(choice, dict):
        forced = (choice.get("function") or {}).get("name")
    response_format = body.get("response_format") or {}
    schema = None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    return transcript.prompt(
        system="\n".join(system_parts),
        tools=tools,
        max_tokens=int(max_tokens) if max_tokens else None,
        json_mode=response_format.get("type") == "json_object",
        json_schema=schema,
        forced_tool=forced,
        tool_choice_none=choice == "none",
    )


# --- response building -------------------------------------------------------------------------

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


async def send_stream(
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


def embeddings_body(
    body: dict[str, Any], model: str, *, default_dimensions: int
) -> tuple[dict[str, Any] | None, str | None]:
    """The embeddings response, or an error message for invalid input."""
    raw_input = body.get("input")
    if raw_input is None or raw_input == "" or raw_input == []:
        return None, "'input' is a required property"
    if isinstance(raw_input, str):
        inputs = [raw_input]
    elif isinstance(raw_input, list) and all(isinstance(i, int) for i in raw_input):
        inputs = [" ".join(str(i) for i in raw_input)]
    elif isinstance(raw_input, list):
        inputs = [i if isinstance(i, str) else " ".join(str(t) for t in i) for i in raw_input]
    else:
        return None, "Invalid type for 'input'."
    dimensions = int(body.get("dimensions") or default_dimensions)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    tokens = 0
    for index, text in enumerate(inputs):
        vector = content.embedding(text, dimensions)
        tokens += content.count_tokens(text)
        data.append(
            {
                "object": "embedding",
                "index": index,
                "embedding": content.embedding_base64(vector) if as_base64 else vector,
            }
        )
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }, None


# --- the OpenAI-compatible /v1 API ---------------------------------------------------------------


def openai_error(
    status: int, message: str, code: str | None, err_type: str = "invalid_request_error", param=None
) -> web.Response:
    return json_response(
        {"error": {"message": message, "type": err_type, "param": param, "code": code}},
        status=status,
        headers={"x-request-id": new_id("req_", 32)},
    )


def render_fault(kind: str, spec: FaultSpec) -> web.StreamResponse:
    if kind == "throttle":
        response = openai_error(
            429,
            f"Rate limit reached for requests. Please try again in {spec.retry_after_s:g}s.",
            "rate_limit_exceeded",
            "requests",
        )
        response.headers["retry-after"] = str(max(1, round(spec.retry_after_s)))
        response.headers["retry-after-ms"] = str(int(spec.retry_after_s * 1000))
        return response
    if kind == "malformed":
        return faults.truncated_json(
            b'{"id":"chatcmpl-sandbox","object":"chat.completion","choices":[{"index":0'
        )
    return openai_error(
        500,
        "The server had an error while processing your request. Sorry about that!",
        None,
        "server_error",
    )


def _presented_key(request: web.Request, account: OpenAICompatAccount) -> str | None:
    """The key as this account expects it: its own header if it declares one, else Bearer."""
    if account.header_name:
        return request.headers.get(account.header_name) or None
    return bearer(request)


def _account(request: web.Request) -> tuple[str, Any] | None:
    for name, account in state(request).config.openai_compatible.items():
        key = _presented_key(request, account)
        if key and key in account.api_keys:
            tag(
                request,
                auth=f"header:{account.header_name.lower()}" if account.header_name else "bearer",
            )
            return name, account
    return None


def _auth_error(request: web.Request) -> web.Response:
    key = bearer(request) or next(
        (
            request.headers[a.header_name]
            for a in state(request).config.openai_compatible.values()
            if a.header_name and request.headers.get(a.header_name)
        ),
        None,
    )
    if not key:
        return openai_error(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization"
            " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            None,
        )
    return openai_error(401, f"Incorrect API key provided: {mask(key)}.", "invalid_api_key")


async def _common(request: web.Request, operation: str):
    tag(request, provider=PROVIDER, operation=operation)
    found = _account(request)
    if found is None:
        return None, None, None, _auth_error(request)
    name, account = found
    tag(request, account=name)
    body, _ = await read_json(request)
    if body is None:
        return (
            None,
            None,
            None,
            openai_error(400, "We could not parse the JSON body of your request.", None),
        )
    model = body.get("model")
    tag(request, model=model)
    if not model or model not in account.models:
        return (
            None,
            None,
            None,
            openai_error(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found",
            ),
        )
    return name, account, body, None


async def chat_completions(request: web.Request) -> web.StreamResponse:
    _name, _account_obj, body, error = await _common(request, "chat.completions")
    if error is not None:
        return error
    problem = validate_chat(body)
    if problem:
        return openai_error(400, problem, None, param="messages")
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    model = body["model"]
    prompt = parse_chat(body)
    reply = content.respond(prompt)
    headers = {"x-request-id": new_id("req_", 32), "openai-processing-ms": "1"}
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = stream_events(prompt, reply, model, azure=False, include_usage=include_usage)
        return await send_stream(request, events, headers)
    return json_response(completion_body(prompt, reply, model, azure=False), headers=headers)


async def embeddings(request: web.Request) -> web.StreamResponse:
    _name, _account_obj, body, error = await _common(request, "embeddings")
    if error is not None:
        return error
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    model = body["model"]
    result, problem = embeddings_body(body, model, default_dimensions=embedding_dimensions(model))
    if problem:
        return openai_error(400, problem, None, param="input")
    return json_response(result, headers={"x-request-id": new_id("req_", 32)})


async def list_models(request: web.Request) -> web.Response:
    if "x-goog-api-key" in request.headers or "key" in request.query:
        from sandbox import gemini  # GET /v1/models is also the Gemini API's list

        return await gemini.gemini_list_models(request)
    tag(request, provider=PROVIDER, operation="models.list")
    found = _account(request)
    if found is None:
        return _auth_error(request)
    name, account = found
    tag(request, account=name)
    # Faults apply to the model list too: it is what health checks call.
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    return json_response(
        {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 1732600000, "owned_by": name}
                for m in account.models
            ],
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_get("/v1/models", list_models)
