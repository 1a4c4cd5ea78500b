"""Google Gemini: the Gemini Developer API, Vertex AI (project paths and express mode), and the
OAuth2 ``/token`` endpoint that service-account credentials use.

Gemini API keys go in ``x-goog-api-key`` (or ``?key=``); a bad key is 400 INVALID_ARGUMENT, as
on the real API. Vertex takes a Bearer access token bound to one project (issued by ``/token``
after verifying the service account's JWT signature, or configured statically) or an express-mode
API key. Streaming is SSE with ``alt=sse`` and a JSON array otherwise.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox import content, faults
from sandbox.common import IssuedToken, bearer, json_response, new_id, read_json, state
from sandbox.config import FaultSpec, GcpProject
from sandbox.tags import tag

PROVIDER = "google_gemini"
TOKEN_LIFETIME_S = 3600
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

EMBEDDING_DIMENSIONS = {"gemini-embedding-001": 3072, "text-embedding-005": 768}
_FINISH = {"stop": "STOP", "length": "MAX_TOKENS", "tool": "STOP"}
_METHODS = (
    "generateContent",
    "streamGenerateContent",
    "countTokens",
    "embedContent",
    "batchEmbedContents",
    "predict",
)

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


def _bad_api_key() -> web.Response:
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


# --- request parsing ------------------------------------------------------------------------------


def _parts_text(parts: list[dict[str, Any]] | None) -> str:
    return "\n".join(p.get("text", "") for p in parts or [] if isinstance(p, dict) and "text" in p)


def parse_generate(body: dict[str, Any]) -> content.Prompt:
    system_block = body.get("systemInstruction") or body.get("system_instruction") or {}
    system = _parts_text(system_block.get("parts")) if isinstance(system_block, dict) else ""
    transcript = content.Transcript()
    for item in body.get("contents") or []:
        parts = item.get("parts") or []
        for p in parts:
            if "functionCall" in p:
                transcript.call(json.dumps(p["functionCall"].get("args", {})))
        transcript.turn(
            [p["text"] for p in parts if "text" in p and not p.get("thought")],
            [
                (r.get("name", "tool"), json.dumps(r.get("response", {})))
                for r in (p["functionResponse"] for p in parts if "functionResponse" in p)
            ],
            from_caller=item.get("role", "user") == "user",
        )
    tools = []
    for tool in body.get("tools") or []:
        for decl in tool.get("functionDeclarations") or tool.get("function_declarations") or []:
            schema = decl.get("parameters") or decl.get("parametersJsonSchema") or {}
            tools.append(content.Tool(decl["name"], decl.get("description") or "", schema))
    config = body.get("generationConfig") or {}
    calling = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    allowed = calling.get("allowedFunctionNames") or []
    schema = config.get("responseSchema") or config.get("responseJsonSchema")
    return transcript.prompt(
        system=system,
        tools=tools,
        max_tokens=config.get("maxOutputTokens"),
        json_mode=config.get("responseMimeType") == "application/json",
        json_schema=schema if config.get("responseMimeType") == "application/json" else None,
        forced_tool=allowed[0] if len(allowed) == 1 else None,
        tool_choice_none=calling.get("mode") == "NONE",
    )


# --- response building ---------------------------------------------------------------------------


def _usage(reply: content.Reply, *, final: bool = True) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "promptTokenCount": reply.prompt_tokens,
        "totalTokenCount": reply.total_tokens if final else reply.prompt_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.prompt_tokens}],
    }
    if final:
        usage["candidatesTokenCount"] = reply.completion_tokens
    return usage


def _envelope(model: str, response_id: str, vertex: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"modelVersion": model, "responseId": response_id}
    if vertex:
        body["createTime"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return body


def generate_body(reply: content.Reply, model: str, *, vertex: bool) -> dict[str, Any]:
    if reply.tool_name:
        parts = [{"functionCall": {"name": reply.tool_name, "args": reply.tool_args}}]
    else:
        parts = [{"text": reply.text or ""}]
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": parts},
                "finishReason": _FINISH[reply.finish],
                "avgLogprobs": -0.1,
                "index": 0,
            }
        ],
        "usageMetadata": _usage(reply),
        **_envelope(model, new_id(length=22), vertex),
    }


def stream_bodies(reply: content.Reply, model: str, *, vertex: bool) -> list[dict[str, Any]]:
    response_id = new_id(length=22)
    if reply.tool_name:
        pieces: list[dict[str, Any]] = [
            {"functionCall": {"name": reply.tool_name, "args": reply.tool_args}}
        ]
    else:
        pieces = [{"text": t} for t in content.split_chunks(reply.text or "")] or [{"text": ""}]
    bodies = []
    for index, part in enumerate(pieces):
        last = index == len(pieces) - 1
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        if last:
            candidate["finishReason"] = _FINISH[reply.finish]
        bodies.append(
            {
                "candidates": [candidate],
                "usageMetadata": _usage(reply, final=last),
                **_envelope(model, response_id, vertex),
            }
        )
    return bodies


async def _send_stream(
    request: web.Request, bodies: list[dict[str, Any]], sse: bool
) -> web.StreamResponse:
    """SSE for `alt=sse`; otherwise a streamed JSON array (what other REST clients expect)."""
    data = [json.dumps(body, separators=(",", ":")) for body in bodies]
    if sse:
        chunks = [f"data: {d}\r\n\r\n".encode() for d in data]
        return await faults.stream(request, chunks, {"Content-Type": "text/event-stream"})
    chunks = [(("[" if i == 0 else ",\r\n") + d).encode() for i, d in enumerate(data)]
    return await faults.stream(
        request, chunks, {"Content-Type": "application/json"}, tail=b"]" if data else b"[]"
    )


# --- embeddings and token counts -------------------------------------------------------------------


def _content_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _parts_text(value.get("parts"))
    return ""


def _vector(text: str, model: str, dims: Any) -> list[float]:
    return content.embedding(text, int(dims or EMBEDDING_DIMENSIONS.get(model, 768)))


def embed_response(method: str, body: dict[str, Any], model: str, vertex: bool) -> dict[str, Any]:
    """Answer embedContent, batchEmbedContents or (Vertex) predict."""
    if method == "embedContent":
        text = _content_text(body.get("content"))
        result: dict[str, Any] = {
            "embedding": {"values": _vector(text, model, body.get("outputDimensionality"))}
        }
        if vertex:
            result["usageMetadata"] = {"promptTokenCount": content.count_tokens(text)}
            result["truncated"] = False
        return result
    if method == "batchEmbedContents":
        return {
            "embeddings": [
                {
                    "values": _vector(
                        _content_text(r.get("content")), model, r.get("outputDimensionality")
                    )
                }
                for r in body.get("requests") or []
            ]
        }
    params = body.get("parameters") or {}
    predictions = []
    characters = 0
    for instance in body.get("instances") or []:
        text = _content_text(instance.get("content"))
        characters += len(text)
        predictions.append(
            {
                "embeddings": {
                    "values": _vector(text, model, params.get("outputDimensionality")),
                    "statistics": {"token_count": content.count_tokens(text), "truncated": False},
                }
            }
        )
    return {"predictions": predictions, "metadata": {"billableCharacterCount": characters}}


def count_tokens_response(body: dict[str, Any], vertex: bool) -> dict[str, Any]:
    request = body.get("generateContentRequest") or body
    prompt = parse_generate(request)
    total = content.prompt_tokens(prompt)
    result: dict[str, Any] = {
        "totalTokens": total,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
    }
    if vertex:
        result["totalBillableCharacters"] = len((prompt.system + prompt.all_text).replace(" ", ""))
    return result


# --- authentication ------------------------------------------------------------------------------


def _api_key(request: web.Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.query.get("key")


def _gemini_account(request: web.Request) -> str | web.Response:
    """The Gemini API account the key belongs to (tagged on the request), or the auth error."""
    key = _api_key(request)
    if not key:
        return google_error(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). "
            "Please use API Key or other form of API consumer identity to call this API.",
        )
    for account, keys in state(request).config.gcp.gemini_api_keys.items():
        if key in keys:
            tag(request, account=f"gemini-api:{account}", auth="api_key")
            return account
    return _bad_api_key()


def _vertex_owner(request: web.Request) -> str | web.Response:
    """The project the bearer token or express API key belongs to, or the auth error."""
    sandbox = state(request)
    projects = sandbox.config.gcp.projects
    token = bearer(request)
    owner: str | None = None
    if token:
        issued = sandbox.tokens.get(token)
        if issued is not None and issued.expires_at > time.time():
            owner = issued.project
        else:
            owner = next((p for p, cfg in projects.items() if token in cfg.access_tokens), None)
        if owner is None:
            return google_error(401, "UNAUTHENTICATED", UNAUTHENTICATED)
        tag(request, auth="oauth")
    else:
        key = _api_key(request)
        if not key:
            return google_error(401, "UNAUTHENTICATED", UNAUTHENTICATED)
        owner = next((p for p, cfg in projects.items() if key in cfg.express_api_keys), None)
        if owner is None:
            return _bad_api_key()
        tag(request, auth="express_api_key")
    tag(request, account=owner)
    return owner


def _permission_denied(resource: str) -> web.Response:
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


# --- handlers ------------------------------------------------------------------------------------


def _split(model_action: str) -> tuple[str, str | None]:
    model, _, method = model_action.partition(":")
    return model.removeprefix("models/"), method or None


async def _serve(
    request: web.Request, model: str, method: str, *, vertex: bool, resource: str
) -> web.StreamResponse:
    """Common tail: validate model and method, apply faults, answer."""
    sandbox = state(request)
    tag(request, operation=method, model=model)
    is_embedding = model in EMBEDDING_DIMENSIONS or "embedding" in model
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
    # countTokens too: it is what health checks call, and they must be failable on purpose.
    fault = await faults.apply(request, sandbox.faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    if method == "countTokens":
        return json_response(count_tokens_response(body, vertex))
    if embed_method:
        return json_response(embed_response(method, body, model, vertex))
    reply = content.respond(parse_generate(body))
    if method == "streamGenerateContent":
        sse = request.query.get("alt") == "sse"
        return await _send_stream(request, stream_bodies(reply, model, vertex=vertex), sse)
    return json_response(generate_body(reply, model, vertex=vertex))


async def gemini_model_action(request: web.Request) -> web.StreamResponse:
    tag(request, provider=PROVIDER)
    account = _gemini_account(request)
    if isinstance(account, web.Response):
        return account
    model, method = _split(request.match_info["model_action"])
    if method is None:
        return google_error(404, "NOT_FOUND", "Method not found.")
    return await _serve(request, model, method, vertex=False, resource=f"models/{model}")


def _model_info(model: str) -> dict[str, Any]:
    embedding = model in EMBEDDING_DIMENSIONS or "embedding" in model
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
    account = _gemini_account(request)
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
    account = _gemini_account(request)
    if isinstance(account, web.Response):
        return account
    return json_response({"models": [_model_info(m) for m in state(request).config.gcp.models]})


def _check_location(project_cfg: GcpProject | None, location: str) -> bool:
    return project_cfg is not None and location in project_cfg.locations


async def vertex_model_action(request: web.Request) -> web.StreamResponse:
    tag(request, provider=PROVIDER)
    project = request.match_info["project"]
    location = request.match_info["location"]
    model, method = _split(request.match_info["model_action"])
    tag(request, region=location, model=model, operation=method)
    resource = f"projects/{project}/locations/{location}/publishers/google/models/{model}"
    owner = _vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    if owner != project:
        return _permission_denied(resource)
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
    owner = _vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    if method is None:
        return await vertex_get_model(request)
    resource = f"publishers/google/models/{model}"
    return await _serve(request, model, method, vertex=True, resource=resource)


async def vertex_get_model(request: web.Request) -> web.Response:
    tag(request, provider=PROVIDER, operation="models.get")
    model = request.match_info["model_action"].partition(":")[0]
    owner = _vertex_owner(request)
    if isinstance(owner, web.Response):
        return owner
    project = request.match_info.get("project")
    if project is not None and owner != project:
        return _permission_denied(
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


# --- OAuth2 token endpoint ------------------------------------------------------------------------


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    return json_response({"error": error, "error_description": description}, status=status)


async def token(request: web.Request) -> web.Response:
    """JWT-bearer grant: verify the assertion against the service account's public key."""
    tag(request, provider=PROVIDER, operation="oauth2.token")
    form = await request.post()
    if form.get("grant_type") != JWT_BEARER:
        return _oauth_error(
            "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type')}"
        )
    assertion = str(form.get("assertion", ""))
    try:
        header_b64, payload_b64, signature_b64 = assertion.split(".")
        header = json.loads(_b64url(header_b64))
        claims = json.loads(_b64url(payload_b64))
        signature = _b64url(signature_b64)
    except (ValueError, binascii.Error):
        return _oauth_error("invalid_grant", "Invalid JWT: malformed assertion.")
    if header.get("alg") != "RS256":
        return _oauth_error("invalid_grant", "Invalid JWT: unsupported signing algorithm.")
    issuer = claims.get("iss")
    found = None
    for project, cfg in state(request).config.gcp.projects.items():
        for account in cfg.service_accounts:
            if account.client_email == issuer:
                found = (project, account)
    if found is None:
        return _oauth_error("invalid_grant", "Invalid grant: account not found")
    project, account = found
    tag(request, account=project, auth="service_account")
    public_key = serialization.load_pem_public_key(account.public_key_pem.encode())
    try:
        public_key.verify(  # type: ignore[union-attr]
            signature,
            f"{header_b64}.{payload_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return _oauth_error("invalid_grant", "Invalid JWT Signature.")
    now = time.time()
    iat, exp = claims.get("iat", 0), claims.get("exp", 0)
    if not (iat - 300 <= now <= exp + 300) or exp - iat > 3600:
        return _oauth_error(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
            "timeframe. Check your iat and exp values in the JWT claim.",
        )
    if not str(claims.get("aud", "")).endswith("/token"):
        return _oauth_error("invalid_grant", "Invalid JWT: Failed audience check.")
    if not claims.get("scope") and not claims.get("target_audience"):
        return _oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    access_token = "ya29.sandbox-" + secrets.token_urlsafe(32)
    state(request).tokens[access_token] = IssuedToken(
        project=project, client_email=account.client_email, expires_at=now + TOKEN_LIFETIME_S
    )
    return json_response(
        {"access_token": access_token, "expires_in": TOKEN_LIFETIME_S - 1, "token_type": "Bearer"}
    )


def add_routes(app: web.Application) -> None:
    gemini_versions = "{version:v1beta|v1|v1alpha}"
    vertex_versions = "{version:v1|v1beta1}"
    app.router.add_post(f"/{gemini_versions}/models/{{model_action}}", gemini_model_action)
    app.router.add_get(f"/{gemini_versions}/models/{{model}}", gemini_get_model)
    app.router.add_get("/{version:v1beta|v1alpha}/models", gemini_list_models)
    vertex_base = f"/{vertex_versions}/projects/{{project}}/locations/{{location}}"
    app.router.add_post(
        vertex_base + "/publishers/google/models/{model_action}", vertex_model_action
    )
    app.router.add_get(vertex_base + "/publishers/google/models/{model_action}", vertex_get_model)
    app.router.add_post(
        f"/{vertex_versions}/publishers/google/models/{{model_action}}", vertex_express_action
    )
    app.router.add_get(
        f"/{vertex_versions}/publishers/google/models/{{model_action}}", vertex_get_model
    )
    app.router.add_post("/token", token)
