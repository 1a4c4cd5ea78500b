"""Errors as the OpenAI API writes them (``{"error": {message, type, param, code}}``), and
the injected faults in that form: a rate limit with its retry headers, a server error, a cut
body."""

from __future__ import annotations

from aiohttp import web

from sandbox import faults
from sandbox.common import json_response, new_id
from sandbox.config import FaultSpec


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
