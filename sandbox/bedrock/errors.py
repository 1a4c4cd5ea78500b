"""Errors as Bedrock Runtime writes them: ``x-amzn-ErrorType`` plus ``{"message"}``, which
botocore turns into its modelled exception classes; and the injected faults in that form (a
broken event-stream frame when the answer streams)."""

from __future__ import annotations

from aiohttp import web

from sandbox import eventstream, faults
from sandbox.common import json_response, new_request_id
from sandbox.config import FaultSpec

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
