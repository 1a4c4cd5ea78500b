"""Errors as Google APIs write them (``{"error": {code, message, status, details}}``), the
few the sandbox answers in several places (a bad API key, a denied Vertex resource), and the
injected faults in that form."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import faults
from sandbox.common import json_response
from sandbox.config import FaultSpec

UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def google_error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return json_response({"error": error}, status=code)


def bad_api_key() -> web.Response:
    """What both APIs answer for an unknown API key: 400 API_KEY_INVALID, not 401."""
    return google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
        ],
    )


def permission_denied(resource: str) -> web.Response:
    """Vertex's 403 for a project the caller's token or key does not belong to."""
    return google_error(
        403,
        "PERMISSION_DENIED",
        f"Permission 'aiplatform.endpoints.predict' denied on resource "
        f"'//aiplatform.googleapis.com/{resource}' (or it may not exist).",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "IAM_PERMISSION_DENIED",
                "domain": "aiplatform.googleapis.com",
                "metadata": {
                    "permission": "aiplatform.endpoints.predict",
                    "resource": resource.split("/publishers/")[0],
                },
            }
        ],
    )


def render_fault(kind: str, spec: FaultSpec) -> web.StreamResponse:
    if kind == "throttle":
        return google_error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details. "
            f"Please retry in {spec.retry_after_s:g}s.",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": "generativelanguage.googleapis.com/"
                            "generate_content_requests",
                            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                        }
                    ],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{spec.retry_after_s:g}s",
                },
            ],
        )
    if kind == "malformed":
        return faults.truncated_json(b'{"candidates":[{"content":{"role":"model","parts":[{"text"')
    return google_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
