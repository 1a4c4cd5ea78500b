"""The model metadata endpoints: get and list on the Gemini API, the publisher model on
Vertex AI. Apart from the model actions because the OpenAI-compatible ``GET /v1/models``
hands a Gemini API key's request to the list here."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import faults
from sandbox.common import json_response, state
from sandbox.gemini import PROVIDER
from sandbox.gemini.auth import gemini_account, vertex_owner
from sandbox.gemini.embeddings import is_embedding_model
from sandbox.gemini.errors import google_error, permission_denied, render_fault
from sandbox.tags import tag


def _model_info(model: str) -> dict[str, Any]:
    embedding = is_embedding_model(model)
    methods = (
        ["embedContent", "batchEmbedContents", "countTokens"]
        if embedding
        else ["generateContent", "streamGenerateContent", "countTokens", "batchGenerateContent"]
    )
    return {
        "name": f"models/{model}",
        "version": "001",
        "displayName": model.replace("-", " ").title(),
        "description": f"Sandbox model {model}",
        "inputTokenLimit": 2048 if embedding else 1048576,
        "outputTokenLimit": 1 if embedding else 65536,
        "supportedGenerationMethods": methods,
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": not embedding,
    }


async def gemini_get_model(request: web.Request) -> web.Response:
    tag(request, provider=PROVIDER, operation="models.get")
    account = gemini_account(request)
    if isinstance(account, web.Response):
        return account
    model = request.match_info["model"]
    tag(request, model=model)
    if model not in state(request).config.gcp.models:
        return google_error(
            404,
            "NOT_FOUND",
            f"models/{model} is not found for API version "
            f"{request.match_info['version']}, or is not supported for get.",
        )
    return json_response(_model_info(model))


async def gemini_list_models(request: web.Request) -> web.Response:
    tag(request, provider=PROVIDER, operation="models.list")
    account = gemini_account(request)
    if isinstance(account, web.Response):
        return account
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    return json_response({"models": [_model_info(m) for m in state(request).config.gcp.models]})


async def vertex_list_models(request: web.Request) -> web.Response:
    """``GET …/publishers/google/models``: the publisher models a project (or an express-mode
    key) may call."""
    tag(request, provider=PROVIDER, operation="models.list")
    owner = vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    project = request.match_info.get("project")
    if project is not None and owner != project:
        return permission_denied(
            f"projects/{project}/locations/{request.match_info['location']}/publishers/google"
        )
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    models = [
        {
            "name": f"publishers/google/models/{m}",
            "versionId": "001",
            "launchStage": "PUBLIC_PREVIEW" if "preview" in m else "GA",
        }
        for m in state(request).config.gcp.models
    ]
    return json_response({"publisherModels": models})


async def vertex_get_model(request: web.Request) -> web.Response:
    tag(request, provider=PROVIDER, operation="models.get")
    model = request.match_info["model_action"].partition(":")[0]
    owner = vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    project = request.match_info.get("project")
    if project is not None and owner != project:
        return permission_denied(
            f"projects/{project}/locations/{request.match_info['location']}"
            f"/publishers/google/models/{model}"
        )
    tag(request, model=model)
    if model not in state(request).config.gcp.models:
        return google_error(
            404, "NOT_FOUND", f"Publisher Model `publishers/google/models/{model}` not found."
        )
    return json_response(
        {
            "name": f"publishers/google/models/{model}",
            "versionId": "001",
            "openSourceCategory": "PROPRIETARY",
            "launchStage": "PUBLIC_PREVIEW" if "preview" in model else "GA",
            "publisherModelTemplate": f"projects/{{project}}/locations/{{location}}/publishers/"
            f"google/models/{model}@001",
        }
    )
