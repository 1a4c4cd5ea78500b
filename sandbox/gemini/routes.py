"""The model action routes (``…/models/{model}:{method}``) of the Gemini API and of Vertex AI
(project paths and express mode): check the caller, the model and the method, apply the
provider's faults, answer. Also registers every Gemini route."""

from __future__ import annotations

from aiohttp import web

from sandbox import content, faults
from sandbox.common import json_response, read_json, state
from sandbox.config import GcpProject
from sandbox.gemini import PROVIDER
from sandbox.gemini.auth import gemini_account, vertex_owner
from sandbox.gemini.embeddings import embed_response, is_embedding_model
from sandbox.gemini.errors import google_error, permission_denied, render_fault
from sandbox.gemini.generate import (
    count_tokens_response,
    generate_body,
    parse_generate,
    send_stream,
    stream_bodies,
)
from sandbox.gemini.models import (
    gemini_get_model,
    gemini_list_models,
    vertex_get_model,
    vertex_list_models,
)
from sandbox.gemini.oauth_token import token
from sandbox.tags import tag

_METHODS = (
    "generateContent",
    "streamGenerateContent",
    "countTokens",
    "embedContent",
    "batchEmbedContents",
    "predict",
)


def _split(model_action: str) -> tuple[str, str | None]:
    model, _, method = model_action.partition(":")
    return model.removeprefix("models/"), method or None


async def _serve(
    request: web.Request, model: str, method: str, *, vertex: bool, resource: str
) -> web.StreamResponse:
    """Common tail: validate model and method, apply faults, answer."""
    sandbox = state(request)
    tag(request, operation=method, model=model)
    is_embedding = is_embedding_model(model)
    embed_method = method in ("embedContent", "batchEmbedContents", "predict")
    if method not in _METHODS or (method == "predict" and not vertex):
        return google_error(404, "NOT_FOUND", f"Method not found: {method}.")
    if model not in sandbox.config.gcp.models or (
        method != "countTokens" and is_embedding != embed_method
    ):
        if vertex:
            return google_error(
                404,
                "NOT_FOUND",
                f"Publisher Model `{resource}` was not found or your project does not have access "
                "to it. Please ensure you are using a valid model version. For more information, "
                "see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
            )
        version = request.match_info.get("version", "v1beta")
        return google_error(
            404,
            "NOT_FOUND",
            f"models/{model} is not found for API version {version}, or is not supported for "
            f"{method}. Call ListModels to see the list of available models and their supported "
            "methods.",
        )
    body, _ = await read_json(request)
    if body is None:
        return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
    if method in ("generateContent", "streamGenerateContent") and not body.get("contents"):
        return google_error(
            400,
            "INVALID_ARGUMENT",
            "* GenerateContentRequest.contents: contents is not specified\n",
        )
    prompt = None if embed_method or method == "countTokens" else parse_generate(body)
    if prompt is not None:
        tag(request, prompt_digest=prompt.digest)
    # countTokens too: it is what health checks call, and they must be failable on purpose.
    fault = await faults.apply(request, sandbox.faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    if method == "countTokens":
        return json_response(count_tokens_response(body, vertex))
    if prompt is None:  # an embedding method
        return json_response(embed_response(method, body, model, vertex))
    reply = content.respond(prompt)
    if method == "streamGenerateContent":
        sse = request.query.get("alt") == "sse"
        return await send_stream(request, stream_bodies(reply, model, vertex=vertex), sse)
    return json_response(generate_body(reply, model, vertex=vertex))


async def gemini_model_action(request: web.Request) -> web.StreamResponse:
    tag(request, provider=PROVIDER)
    account = gemini_account(request)
    if isinstance(account, web.Response):
        return account
    model, method = _split(request.match_info["model_action"])
    if method is None:
        return google_error(404, "NOT_FOUND", "Method not found.")
    return await _serve(request, model, method, vertex=False, resource=f"models/{model}")


def _check_location(project_cfg: GcpProject | None, location: str) -> bool:
    return project_cfg is not None and location in project_cfg.locations


async def vertex_model_action(request: web.Request) -> web.StreamResponse:
    tag(request, provider=PROVIDER)
    project = request.match_info["project"]
    location = request.match_info["location"]
    model, method = _split(request.match_info["model_action"])
    tag(request, region=location, model=model, operation=method)
    resource = f"projects/{project}/locations/{location}/publishers/google/models/{model}"
    owner = vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    if owner != project:
        return permission_denied(resource)
    if method is None:
        return google_error(404, "NOT_FOUND", "Method not found.")
    if not _check_location(state(request).config.gcp.projects.get(project), location):
        return google_error(
            400,
            "FAILED_PRECONDITION",
            f"Project `{project}` is not allowed to use location `{location}`.",
        )
    return await _serve(request, model, method, vertex=True, resource=resource)


async def vertex_express_action(request: web.Request) -> web.StreamResponse:
    """Express mode: ``/{v}/publishers/google/models/{m}:{method}`` with an API key."""
    tag(request, provider=PROVIDER)
    model, method = _split(request.match_info["model_action"])
    tag(request, model=model)
    owner = vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    if method is None:
        return await vertex_get_model(request)
    resource = f"publishers/google/models/{model}"
    return await _serve(request, model, method, vertex=True, resource=resource)


def add_routes(app: web.Application) -> None:
    gemini_versions = "{version:v1beta|v1|v1alpha}"
    vertex_versions = "{version:v1|v1beta1}"
    app.router.add_post(f"/{gemini_versions}/models/{{model_action}}", gemini_model_action)
    app.router.add_get(f"/{gemini_versions}/models/{{model}}", gemini_get_model)
    app.router.add_get("/{version:v1beta|v1alpha}/models", gemini_list_models)
    app.router.add_get(f"/{vertex_versions}/publishers/google/models", vertex_list_models)
    vertex_base = f"/{vertex_versions}/projects/{{project}}/locations/{{location}}"
    app.router.add_post(
        vertex_base + "/publishers/google/models/{model_action}", vertex_model_action
    )
    app.router.add_get(vertex_base + "/publishers/google/models/{model_action}", vertex_get_model)
    app.router.add_get(vertex_base + "/publishers/google/models", vertex_list_models)
    app.router.add_post(
        f"/{vertex_versions}/publishers/google/models/{{model_action}}", vertex_express_action
    )
    app.router.add_get(
        f"/{vertex_versions}/publishers/google/models/{{model_action}}", vertex_get_model
    )
    app.router.add_post("/token", token)
