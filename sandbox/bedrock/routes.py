"""The Bedrock Runtime route, ``POST /model/{modelId}/{operation}``: authenticate, resolve the
model, check the body, apply the provider's faults, then answer the operation (Converse,
InvokeModel, their streams, CountTokens)."""

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

from sandbox import content, faults
from sandbox.bedrock import PROVIDER, catalog
from sandbox.bedrock.auth import authenticate
from sandbox.bedrock.claude import resolve_model
from sandbox.bedrock.converse import (
    converse_body,
    converse_stream_events,
    parse_converse,
    validate_converse,
)
from sandbox.bedrock.errors import aws_error, render_fault
from sandbox.bedrock.invoke_model import (
    anthropic_body,
    anthropic_stream_events,
    parse_anthropic,
    validate_anthropic,
)
from sandbox.bedrock.metrics import invocation_headers
from sandbox.common import json_response, new_request_id, state
from sandbox.tags import tag

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
    account = authenticate(request, raw)
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
        problem = validate_converse(body)
        prompt = parse_converse(body)
    else:
        problem = validate_anthropic(body, foundation)
        prompt = parse_anthropic(body)
    if problem:
        return aws_error(400, "ValidationException", problem)
    tag(request, prompt_digest=prompt.digest)
    render = functools.partial(render_fault, stream=streaming)
    fault = await faults.apply(request, sandbox.faults, PROVIDER, render)
    if fault is not None:
        return fault
    reply = content.respond(prompt)
    headers = invocation_headers(reply, started)
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
    catalog.add_routes(app)
