"""The OpenAI-compatible ``/v1`` API: chat completions, embeddings and the model list, each
behind the account's key and the provider's faults."""

from __future__ import annotations

from aiohttp import web

from sandbox import content, faults
from sandbox.common import json_response, new_id, read_json, state
from sandbox.gemini.models import gemini_list_models
from sandbox.openai_compat import PROVIDER
from sandbox.openai_compat.auth import auth_error, find_account
from sandbox.openai_compat.chat_request import parse_chat, validate_chat
from sandbox.openai_compat.chat_response import send_completion
from sandbox.openai_compat.embeddings import embedding_dimensions, embeddings_body
from sandbox.openai_compat.errors import openai_error, render_fault
from sandbox.tags import tag


async def _common(request: web.Request, operation: str):
    tag(request, provider=PROVIDER, operation=operation)
    found = find_account(request)
    if found is None:
        return None, None, None, auth_error(request)
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
    prompt = parse_chat(body)
    tag(request, prompt_digest=prompt.digest)
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    model = body["model"]
    reply = content.respond(prompt)
    headers = {"x-request-id": new_id("req_", 32), "openai-processing-ms": "1"}
    return await send_completion(request, body, prompt, reply, model, azure=False, headers=headers)


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
        return await gemini_list_models(request)  # GET /v1/models is also the Gemini API's list
    tag(request, provider=PROVIDER, operation="models.list")
    found = find_account(request)
    if found is None:
        return auth_error(request)
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
