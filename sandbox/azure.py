"""Azure OpenAI data plane: deployments paths (``api-version`` required) and the v1 paths.

The resource is identified by the key or Entra token (a key belongs to one resource). An
optional ``/azure/{resource}`` path prefix lets a demo give each resource its own endpoint; a key
of another resource is then refused like on a wrong regional endpoint.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from sandbox import content, faults
from sandbox.common import bearer, json_response, new_id, read_json, state
from sandbox.config import AzureResource, FaultSpec
from sandbox.openai_compat.chat_request import parse_chat, validate_chat
from sandbox.openai_compat.chat_response import send_completion
from sandbox.openai_compat.embeddings import (
    embedding_dimensions,
    embeddings_body,
    is_embedding_model,
)
from sandbox.tags import tag

PROVIDER = "azure_openai"
_API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")

BAD_KEY_MESSAGE = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
    "valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
BAD_TOKEN_MESSAGE = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired."
)
NOT_FOUND_MESSAGE = (
    "The API deployment for this resource does not exist. If you created the deployment within "
    "the last 5 minutes, please wait a moment and try again."
)


def azure_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    request_id = new_id(length=32)
    return json_response(
        {"error": {"code": code, "message": message}},
        status=status,
        headers={"apim-request-id": request_id, "x-request-id": request_id, **(headers or {})},
    )


def render_fault(kind: str, spec: FaultSpec) -> web.StreamResponse:
    if kind == "throttle":
        seconds = max(1, round(spec.retry_after_s))
        return azure_error(
            429,
            "429",
            "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
            "2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. "
            f"Please retry after {seconds} seconds. Please go here: https://aka.ms/oai/quotaincrease"
            " if you would like to further increase the default rate limit.",
            {"retry-after": str(seconds), "retry-after-ms": str(int(spec.retry_after_s * 1000))},
        )
    if kind == "malformed":
        return faults.truncated_json(
            b'{"id":"chatcmpl-sandbox","object":"chat.completion","model":"gpt-4o",'
            b'"choices":[{"index":0,"message":{"role":"assistant"'
        )
    return azure_error(
        500,
        "InternalServerError",
        "The server had an error while processing your request. Sorry about that!",
    )


def _identify(request: web.Request) -> tuple[str, AzureResource] | web.Response:
    """Find the resource owning the api-key (or bearer key / Entra token)."""
    resources = state(request).config.azure
    api_key = request.headers.get("api-key")
    token = bearer(request)
    prefix = request.match_info.get("resource")
    for name, resource in resources.items():
        if prefix and name != prefix:
            continue
        if (api_key and api_key in resource.api_keys) or (
            token and (token in resource.entra_tokens or token in resource.api_keys)
        ):
            return name, resource
    if token and not api_key:
        return azure_error(401, "401", BAD_TOKEN_MESSAGE)
    return azure_error(401, "401", BAD_KEY_MESSAGE)


def _api_version_refused(request: web.Request) -> web.Response | None:
    """Azure's answer to a missing or malformed `api-version`, or None when it is fine."""
    version = request.query.get("api-version")
    if not version:
        return azure_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if not _API_VERSION_RE.match(version):
        return azure_error(404, "404", "Resource not found")
    return None


async def _prepare(
    request: web.Request, operation: str, deployment: str | None, need_version: bool
) -> tuple[str, str, dict[str, Any]] | web.Response:
    """The resource name, the deployed model and the JSON body; or the error to answer."""
    tag(request, provider=PROVIDER, operation=operation)
    if need_version and (refused := _api_version_refused(request)) is not None:
        return refused
    found = _identify(request)
    if isinstance(found, web.Response):
        return found
    name, resource = found
    tag(request, account=name)
    body, _ = await read_json(request)
    if body is None:
        return azure_error(400, "BadRequest", "Could not parse the JSON body of your request.")
    deployment = deployment or body.get("model")
    tag(request, model=deployment)
    if not deployment or deployment not in resource.deployments:
        return azure_error(404, "DeploymentNotFound", NOT_FOUND_MESSAGE)
    return name, resource.deployments[deployment], body


def _headers(
    resource_name: str, request: web.Request, reply: content.Reply | None
) -> dict[str, str]:
    request_id = new_id(length=32)
    region = state(request).config.azure[resource_name].region
    headers = {
        "apim-request-id": request_id,
        "x-request-id": request_id,
        "x-ms-region": region,
        "x-ratelimit-remaining-requests": "999",
        "x-ratelimit-limit-requests": "1000",
        "x-ratelimit-remaining-tokens": "149000",
        "x-ratelimit-limit-tokens": "150000",
        "azureml-model-session": "sandbox",
    }
    if reply is not None:
        headers["x-ratelimit-remaining-tokens"] = str(max(0, 150000 - reply.total_tokens))
    return headers


def _unsupported(operation: str, model: str) -> web.Response:
    return azure_error(
        400,
        "OperationNotSupported",
        f"The {operation} operation does not work with the specified model, {model}. Please "
        "choose different model and try again. You can learn more about which models can be used "
        "with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.",
    )


async def _chat(request: web.Request, deployment: str | None, need_version: bool):
    prepared = await _prepare(request, "chat.completions", deployment, need_version)
    if isinstance(prepared, web.Response):
        return prepared
    resource_name, model, body = prepared
    if is_embedding_model(model):
        return _unsupported("chatCompletion", model)
    problem = validate_chat(body)
    if problem:
        return azure_error(400, "BadRequest", problem)
    prompt = parse_chat(body)
    tag(request, prompt_digest=prompt.digest)
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    reply = content.respond(prompt)
    headers = _headers(resource_name, request, reply)
    return await send_completion(request, body, prompt, reply, model, azure=True, headers=headers)


async def _embeddings(request: web.Request, deployment: str | None, need_version: bool):
    prepared = await _prepare(request, "embeddings", deployment, need_version)
    if isinstance(prepared, web.Response):
        return prepared
    resource_name, model, body = prepared
    if not is_embedding_model(model):
        return _unsupported("embeddings", model)
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    result, problem = embeddings_body(body, model, default_dimensions=embedding_dimensions(model))
    if problem:
        return azure_error(400, "BadRequest", problem)
    return json_response(result, headers=_headers(resource_name, request, None))


async def deployment_chat(request: web.Request) -> web.StreamResponse:
    return await _chat(request, request.match_info["deployment"], True)


async def deployment_embeddings(request: web.Request) -> web.StreamResponse:
    return await _embeddings(request, request.match_info["deployment"], True)


async def v1_chat(request: web.Request) -> web.StreamResponse:
    return await _chat(request, None, False)


async def v1_embeddings(request: web.Request) -> web.StreamResponse:
    return await _embeddings(request, None, False)


async def list_models(request: web.Request) -> web.Response:
    """``GET /openai/models?api-version=…`` and ``GET /openai/v1/models``: the models the
    resource may deploy (Azure lists models here, not deployments: that list is ARM's)."""
    tag(request, provider=PROVIDER, operation="models.list")
    v1 = request.path.endswith("/v1/models")
    if not v1 and (refused := _api_version_refused(request)) is not None:
        return refused
    found = _identify(request)
    if isinstance(found, web.Response):
        return found
    name, resource = found
    tag(request, account=name)
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    models = sorted(set(resource.deployments.values()))
    data = [
        {
            "id": model,
            "object": "model",
            "created_at": 1732600000,
            "status": "succeeded",
            "lifecycle_status": "generally-available",
            "capabilities": {
                "chat_completion": not is_embedding_model(model),
                "completion": False,
                "embeddings": is_embedding_model(model),
                "fine_tune": False,
                "inference": True,
            },
        }
        for model in models
    ]
    return json_response({"object": "list", "data": data}, headers=_headers(name, request, None))


def add_routes(app: web.Application) -> None:
    for prefix in ("", "/azure/{resource}"):
        base = prefix + "/openai"
        app.router.add_post(base + "/deployments/{deployment}/chat/completions", deployment_chat)
        app.router.add_post(base + "/deployments/{deployment}/embeddings", deployment_embeddings)
        app.router.add_post(base + "/v1/chat/completions", v1_chat)
        app.router.add_post(base + "/v1/embeddings", v1_embeddings)
        app.router.add_get(base + "/models", list_models)
        app.router.add_get(base + "/v1/models", list_models)
