"""Google Gemini through `google-genai`: the Gemini API (API key) and Vertex AI.

Vertex AI authenticates with a service-account JSON (OAuth token from its `token_uri`,
scope cloud-platform) or an express-mode API key. The API version is pinned (`v1beta` for the
Gemini API, `v1` for Vertex; the connection's api_version wins) because the SDK's default
changes between releases. The client is kept by the cached adapter: google-genai closes its
HTTP client when the Client object is garbage-collected.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from google.genai import Client, types

from providers.adapters.base import (
    ChatRequest,
    ChatResult,
    Diagnosis,
    EmbedResult,
    ErrorKind,
    ModelChoice,
    ProviderError,
    StreamEvent,
    ToolCall,
    Usage,
)
from providers.adapters.common import ConnectionAdapter
from providers.adapters.gemini_errors import gemini_errors
from providers.adapters.transport import GoogleAuthRequest, httpx_client
from providers.choices import GeminiMode, Purpose
from providers.endpoints import TOKEN_HOST_PATTERNS as TOKEN_HOSTS
from providers.endpoints import EndpointNotAllowed, check_endpoint_resolves
from providers.outbound.capture import fingerprint

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
}
MODES = {"auto": "AUTO", "any": "ANY", "none": "NONE"}


def _response_payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"result": text}
    return value if isinstance(value, dict) else {"result": value}


def to_contents(request: ChatRequest) -> list[types.Content]:
    names = {c.id: c.name for m in request.messages for c in m.tool_calls}
    contents: list[types.Content] = []
    for m in request.messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            name = m.name or names.get(m.tool_call_id, "")
            part = types.Part.from_function_response(
                name=name, response=_response_payload(m.content)
            )
            role = "user"
            parts = [part]
        elif m.role == "assistant":
            role = "model"
            parts = [types.Part.from_text(text=m.content)] if m.content else []
            parts += [
                types.Part.from_function_call(name=c.name, args=c.arguments) for c in m.tool_calls
            ]
        else:
            role = "user"
            parts = [types.Part.from_text(text=m.content)]
        if contents and contents[-1].role == role:
            contents[-1].parts = [*(contents[-1].parts or []), *parts]
        else:
            contents.append(types.Content(role=role, parts=parts))
    return contents


class GeminiAdapter(ConnectionAdapter):
    provider_label = "Google Gemini"

    def __init__(self, connection: Any) -> None:
        self.vertex = connection.mode == GeminiMode.VERTEX_AI
        super().__init__(connection)
        if self.vertex:
            self.provider_label = "Vertex AI"
        if not (self.secret("api_key") or self.secret("service_account_json")):
            raise ProviderError(
                f"This {self.provider_label} connection has no API key or service-account JSON.",
                kind=ErrorKind.CONFIG,
            )
        self._client: Client | None = None
        self._credentials: Any = None
        self._auth_request: GoogleAuthRequest | None = None
        self._lock = threading.Lock()

    def account(self) -> str:
        if self.vertex and self.secret("service_account_json"):
            return f"{self.info.project}/{self.info.location}"
        key = fingerprint(self.secret("api_key"))
        return f"{self.info.project} key {key}" if self.vertex else f"key {key}"

    # -- client ------------------------------------------------------------------------------
    def _http_options(self) -> types.HttpOptions:
        return types.HttpOptions(
            base_url=(self.info.endpoint + "/") if self.info.endpoint else None,
            api_version=self.info.api_version or ("v1" if self.vertex else "v1beta"),
            timeout=int(self.info.timeout * 1000),
            httpx_client=httpx_client(self.target, self.info.timeout),
        )

    def _service_account(self) -> Any:
        from google.oauth2 import service_account

        raw = self.secret("service_account_json")
        try:
            info = json.loads(raw)
            credentials = service_account.Credentials.from_service_account_info(
                info, scopes=[CLOUD_PLATFORM]
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                f"The service-account JSON cannot be used: {type(exc).__name__}.",
                kind=ErrorKind.CONFIG,
            ) from None
        # The key names where its token is minted: checked like an endpoint, again at connect
        # time (a row saved before the check, or a DNS record changed since), so a key can
        # never make the console POST to an internal address.
        try:
            check_endpoint_resolves(self.info.kind, str(info["token_uri"]), hosts=TOKEN_HOSTS)
        except EndpointNotAllowed as exc:
            raise ProviderError(
                f"The service-account token_uri is not allowed: {exc}", kind=ErrorKind.CONFIG
            ) from None
        token_target = replace(self.target, purpose=Purpose.TOKEN)
        self._auth_request = GoogleAuthRequest(httpx_client(token_target, self.info.timeout))
        return credentials

    def _build(self) -> Client:
        options = self._http_options()
        if not self.vertex:
            return Client(api_key=self.secret("api_key"), http_options=options)
        if self.secret("service_account_json"):
            self._credentials = self._service_account()
            return Client(
                vertexai=True,
                project=self.info.project,
                location=self.info.location or "us-central1",
                credentials=self._credentials,
                http_options=options,
            )
        return Client(vertexai=True, api_key=self.secret("api_key"), http_options=options)

    @property
    def client(self) -> Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
        if self._credentials is not None and not self._credentials.valid:
            with self._lock, gemini_errors(self):
                if not self._credentials.valid:
                    # Our transport, so the token exchange is logged like any other request.
                    self._credentials.refresh(self._auth_request)
        return self._client

    # -- requests ----------------------------------------------------------------------------
    def _config(self, request: ChatRequest) -> types.GenerateContentConfig:
        system = "\n\n".join(
            ([request.system] if request.system else [])
            + [m.content for m in request.messages if m.role == "system"]
        )
        config: dict[str, Any] = {
            "automatic_function_calling": types.AutomaticFunctionCallingConfig(disable=True)
        }
        if system:
            config["system_instruction"] = system
        if request.temperature is not None:
            config["temperature"] = request.temperature
        if request.max_tokens is not None:
            config["max_output_tokens"] = request.max_tokens
        if request.response_format == "json":
            config["response_mime_type"] = "application/json"
        if request.tools:
            config["tools"] = [
                types.Tool(
                    function_declarations=[
                        types.FunctionDeclaration(
                            name=t.name,
                            description=t.description,
                            parameters=types.Schema.model_validate(t.parameters),
                        )
                        for t in request.tools
                    ]
                )
            ]
            config["tool_config"] = types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(
                    mode=types.FunctionCallingConfigMode(MODES[request.tool_choice])
                )
            )
        return types.GenerateContentConfig(**config)

    def _result(
        self, response: types.GenerateContentResponse, text: str | None = None
    ) -> ChatResult:
        candidate = response.candidates[0] if response.candidates else None
        parts = (candidate.content.parts if candidate and candidate.content else None) or []
        calls = tuple(
            ToolCall(
                id=p.function_call.id or f"call_{i}_{p.function_call.name}",
                name=p.function_call.name or "",
                arguments=dict(p.function_call.args or {}),
            )
            for i, p in enumerate(parts)
            if p.function_call is not None
        )
        if text is None:
            text = "".join(p.text for p in parts if p.text and not p.thought)
        usage = response.usage_metadata
        finish = candidate.finish_reason if candidate else None
        finish_name = getattr(finish, "value", finish) or ""
        neutral = "tool_calls" if calls else FINISH.get(str(finish_name), "other")
        if candidate is None and response.prompt_feedback is not None:
            neutral = "content_filter"
        return ChatResult(
            text=text,
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=(usage.prompt_token_count or 0) if usage else 0,
                completion_tokens=(usage.candidates_token_count or 0) if usage else 0,
            ),
            finish_reason=neutral,
            provider_request_id=response.response_id or "",
            model=response.model_version or "",
        )

    def chat(self, request: ChatRequest) -> ChatResult:
        with gemini_errors(self):
            response = self.client.models.generate_content(
                model=request.model, contents=to_contents(request), config=self._config(request)
            )
        return self._result(response)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        text: list[str] = []
        last: types.GenerateContentResponse | None = None
        calls: list[types.Part] = []
        with gemini_errors(self):
            for chunk in self.client.models.generate_content_stream(
                model=request.model, contents=to_contents(request), config=self._config(request)
            ):
                last = chunk
                candidate = chunk.candidates[0] if chunk.candidates else None
                for part in (
                    candidate.content.parts if candidate and candidate.content else None
                ) or []:
                    if part.function_call is not None:
                        calls.append(part)
                    elif part.text and not part.thought:
                        text.append(part.text)
                        yield StreamEvent(delta=part.text)
        if last is None:
            raise ProviderError(
                f"{self.provider_label} sent an empty stream.", kind=ErrorKind.MALFORMED
            )
        if calls and last.candidates and last.candidates[0].content:
            last.candidates[0].content.parts = calls
        yield StreamEvent(result=self._result(last, text="".join(text)))

    def embed(self, model: str, texts: list[str]) -> EmbedResult:
        with gemini_errors(self):
            response = self.client.models.embed_content(model=model, contents=list(texts))
        return EmbedResult(
            vectors=tuple(tuple(e.values or ()) for e in response.embeddings or []),
            model=model,
        )

    def list_models(self) -> list[ModelChoice]:
        """`client.models.list()`: the Gemini API's models for the key, or Vertex AI's
        publisher models for the project (express mode: for the key)."""
        with gemini_errors(self):
            models = list(self.client.models.list())
        choices = []
        for m in models:
            name = (m.name or "").rsplit("/", 1)[-1]
            if not name:
                continue
            actions = m.supported_actions or []
            # Vertex's publisher models carry no actions: the name says it then.
            embedding = any("embed" in a.lower() for a in actions) or "embedding" in name
            capability = "embedding" if embedding else "chat"
            choices.append(ModelChoice(id=name, label=m.display_name or "", capability=capability))
        return sorted(choices, key=lambda c: c.id)

    def test_connection(self, model: str | None = None) -> Diagnosis:
        """countTokens on the model: proves the key or token, the project and the model."""
        model_id = model or "gemini-2.5-flash"

        def call() -> str:
            with gemini_errors(self):
                answer = self.client.models.count_tokens(model=model_id, contents="ping")
            where = f" in project {self.info.project}" if self.vertex else ""
            return (
                f"{self.provider_label} accepted the credentials{where} and model {model_id} "
                f"is available (countTokens answered {answer.total_tokens})."
            )

        return self.probe(call)
