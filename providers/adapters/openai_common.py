"""The OpenAI chat-completions format, shared by Azure OpenAI and OpenAI-compatible endpoints.

Subclasses build the `openai` client (`AzureOpenAI` or `OpenAI`); this class maps the neutral
request to the wire format and back, streams, embeds, and maps SDK exceptions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import openai

from providers.adapters.base import (
    ChatRequest,
    ChatResult,
    EmbedResult,
    ErrorKind,
    ModelChoice,
    ProviderError,
    StreamEvent,
    ToolCall,
    Usage,
)
from providers.adapters.common import (
    ConnectionAdapter,
    is_tls_error,
    kind_for_status,
    redirect_message,
    retry_after_from,
)

FINISH = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}
TOOL_CHOICE = {"auto": "auto", "any": "required", "none": "none"}


def to_messages(request: ChatRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if request.system:
        out.append({"role": "system", "content": request.system})
    for m in request.messages:
        if m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
        elif m.role == "assistant" and m.tool_calls:
            out.append(
                {
                    "role": "assistant",
                    "content": m.content or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                        }
                        for c in m.tool_calls
                    ],
                }
            )
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def _capability(capabilities: Any) -> str:
    """Azure's model list says what a model can do; plain OpenAI-compatible lists do not."""
    if not isinstance(capabilities, dict):
        return ""
    if capabilities.get("chat_completion"):
        return "chat"
    return "embedding" if capabilities.get("embeddings") else ""


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"value": value}


class OpenAIStyleAdapter(ConnectionAdapter):
    """Chat, stream and embeddings over an `openai` client built by the subclass."""

    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()

    def build_client(self) -> openai.OpenAI:
        raise NotImplementedError

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self.build_client()
        return self._client

    # -- requests ------------------------------------------------------------------------------
    def auth_headers(self) -> dict[str, Any]:
        """Headers sent with every request when the key does not travel the SDK's own way.

        Per request (`extra_headers`) because the SDK only honours an omitted `Authorization`
        there, not in a client's default headers.
        """
        return {}

    def request_options(self) -> dict[str, Any]:
        headers = self.auth_headers()
        return {"extra_headers": headers} if headers else {}

    def params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model,
            "messages": to_messages(request),
            **self.request_options(),
        }
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.max_tokens is not None:
            params["max_tokens"] = request.max_tokens
        if request.response_format == "json":
            params["response_format"] = {"type": "json_object"}
        if request.tools:
            params["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
            params["tool_choice"] = TOOL_CHOICE[request.tool_choice]
        return params

    def chat(self, request: ChatRequest) -> ChatResult:
        with self.errors():
            raw = self.client.chat.completions.with_raw_response.create(**self.params(request))
            completion = raw.parse()
        if not completion.choices:
            raise ProviderError(
                f"{self.provider_label} returned no choices.", kind=ErrorKind.MALFORMED
            )
        choice = completion.choices[0]
        message = choice.message
        calls = tuple(
            ToolCall(id=c.id, name=c.function.name, arguments=_arguments(c.function.arguments))
            for c in (message.tool_calls or [])
            if getattr(c, "function", None) is not None
        )
        usage = completion.usage
        return ChatResult(
            text=message.content or "",
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            ),
            finish_reason=FINISH.get(choice.finish_reason or "", "other"),
            provider_request_id=self._request_id(raw.headers) or completion.id or "",
            model=completion.model or "",
        )

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        params = self.params(request) | {"stream": True, "stream_options": {"include_usage": True}}
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        finish = ""
        usage = Usage()
        model = ""
        request_id = ""
        with self.errors():
            raw = self.client.chat.completions.with_raw_response.create(**params)
            request_id = self._request_id(raw.headers)
            stream = raw.parse()
            try:
                for chunk in stream:
                    model = chunk.model or model
                    request_id = request_id or chunk.id or ""
                    if chunk.usage:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for choice in chunk.choices or []:
                        delta = choice.delta
                        if choice.finish_reason:
                            finish = FINISH.get(choice.finish_reason, "other")
                        if delta is None:
                            continue
                        for tc in delta.tool_calls or []:
                            slot = calls.setdefault(tc.index, {"id": "", "name": "", "args": ""})
                            slot["id"] = tc.id or slot["id"]
                            if tc.function is not None:
                                slot["name"] = tc.function.name or slot["name"]
                                slot["args"] += tc.function.arguments or ""
                        if delta.content:
                            text.append(delta.content)
                            yield StreamEvent(delta=delta.content)
            finally:
                stream.close()
        yield StreamEvent(
            result=ChatResult(
                text="".join(text),
                tool_calls=tuple(
                    ToolCall(id=c["id"], name=c["name"], arguments=_arguments(c["args"]))
                    for _, c in sorted(calls.items())
                ),
                usage=usage,
                finish_reason=finish,
                provider_request_id=request_id,
                model=model,
            )
        )

    def embed(self, model: str, texts: list[str]) -> EmbedResult:
        with self.errors():
            raw = self.client.embeddings.with_raw_response.create(
                model=model, input=texts, **self.request_options()
            )
            result = raw.parse()
        return EmbedResult(
            vectors=tuple(tuple(d.embedding) for d in sorted(result.data, key=lambda d: d.index)),
            usage=Usage(prompt_tokens=result.usage.prompt_tokens if result.usage else 0),
            provider_request_id=self._request_id(raw.headers),
            model=result.model or "",
        )

    def list_models(self) -> list[ModelChoice]:
        """`GET …/models` through the SDK (the OpenAI-compatible and Azure model lists)."""
        with self.errors():
            models = list(self.client.models.list(**self.request_options()))
        return [
            ModelChoice(id=m.id, capability=_capability(getattr(m, "capabilities", None)))
            for m in sorted(models, key=lambda m: m.id)
        ]

    @staticmethod
    def _request_id(headers: Any) -> str:
        return headers.get("x-request-id") or headers.get("apim-request-id") or ""

    # -- errors --------------------------------------------------------------------------------
    def errors(self) -> _OpenAIErrors:
        return _OpenAIErrors(self)

    def map_error(self, exc: BaseException) -> ProviderError | None:
        label = self.provider_label
        if isinstance(exc, ProviderError):
            return exc
        if isinstance(exc, openai.APITimeoutError):
            return ProviderError(
                f"{label} did not answer within {self.info.timeout:g} s.", kind=ErrorKind.TIMEOUT
            )
        if isinstance(exc, openai.APIConnectionError):
            if is_tls_error(exc):
                return ProviderError(
                    f"TLS handshake with {label} failed: {self.clean(str(exc.__cause__ or exc))}",
                    kind=ErrorKind.TLS,
                )
            return ProviderError(
                f"{label} is unreachable: {self.clean(str(exc.__cause__ or exc))}",
                kind=ErrorKind.NETWORK,
            )
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        if isinstance(exc, openai.APIResponseValidationError | ValueError):
            return ProviderError(
                f"{label} sent a response that could not be parsed.", kind=ErrorKind.MALFORMED
            )
        return None

    def _status_error(self, exc: openai.APIStatusError) -> ProviderError:
        status = exc.status_code
        headers = exc.response.headers
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", body) if isinstance(body, dict) else {}
        if not isinstance(error, dict):
            error = {}
        code = str(error.get("code") or exc.code or "")
        message = error.get("message") or exc.message or exc.response.reason_phrase
        kind = kind_for_status(status)
        if code == "content_filter":
            kind = ErrorKind.CONTENT_FILTER
        if 300 <= status < 400:
            message = redirect_message(status, headers.get("location", ""))
        return ProviderError(
            f"{self.provider_label} answered {status}: {self.clean(message)}",
            kind=kind,
            status_code=status,
            retry_after=retry_after_from(headers),
            provider_request_id=self._request_id(headers),
            provider_code=code[:100],
        )


class _OpenAIErrors:
    """`with adapter.errors():` — SDK exceptions leave as ProviderError, secrets removed."""

    def __init__(self, adapter: OpenAIStyleAdapter) -> None:
        self.adapter = adapter

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, GeneratorExit):
            return None
        mapped = self.adapter.map_error(exc)
        if mapped is None or mapped is exc:
            return None
        raise mapped from None
