"""The one interface every provider adapter implements, and the neutral types it speaks.

Services build a `ChatRequest` in the console's neutral vocabulary; each adapter translates it
to its SDK and back, maps SDK exceptions into `ProviderError`, and leaves retries to the
console (SDK-internal retries are off, so every attempt is logged).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON Schema (object)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""  # for role="tool": the call this result answers
    name: str = ""  # for role="tool": the tool's name (Gemini needs it)


@dataclass(frozen=True)
class ChatRequest:
    model: str  # provider model id or Azure deployment name
    messages: tuple[Message, ...]
    system: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    response_format: Literal["text", "json"] = "text"
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: Literal["auto", "any", "none"] = "auto"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ChatResult:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = ""  # neutral: stop | length | tool_calls | content_filter | other
    provider_request_id: str = ""
    model: str = ""  # the model the provider reports having used


@dataclass(frozen=True)
class StreamEvent:
    """A text delta; the last event carries `result` (the whole answer, usage included)."""

    delta: str = ""
    result: ChatResult | None = None


@dataclass(frozen=True)
class EmbedResult:
    vectors: tuple[tuple[float, ...], ...]
    usage: Usage = field(default_factory=Usage)
    provider_request_id: str = ""
    model: str = ""


@dataclass(frozen=True)
class ModelChoice:
    """One model or deployment a connection offers, as the alias picker lists it."""

    id: str  # what an alias mapping stores: model id, inference profile id, deployment name
    label: str = ""
    kind: str = "model"  # model | inference_profile | deployment
    capability: str = ""  # chat | embedding | "" when the provider does not say


class ErrorKind(StrEnum):
    AUTH = "auth"  # bad key / token / signature
    PERMISSION = "permission"  # authenticated, not allowed
    NOT_FOUND = "not_found"  # deployment, model or project unknown
    REGION = "region"  # region mismatch
    BAD_REQUEST = "bad_request"
    CONTENT_FILTER = "content_filter"
    THROTTLED = "throttled"
    SERVER = "server"
    TIMEOUT = "timeout"
    NETWORK = "network"  # unreachable, reset, DNS
    TLS = "tls"
    MALFORMED = "malformed"  # the provider answered something unparsable
    CONFIG = "config"  # our side: missing secret, bad endpoint, undecryptable


RETRYABLE_KINDS = frozenset(
    {
        ErrorKind.THROTTLED,
        ErrorKind.SERVER,
        ErrorKind.TIMEOUT,
        ErrorKind.NETWORK,
        ErrorKind.MALFORMED,
    }
)


class ProviderError(Exception):
    """The one error type adapters raise. Its message never contains a secret."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        status_code: int | None = None,
        retry_after: float | None = None,
        provider_request_id: str = "",
        provider_code: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status_code = status_code
        self.retry_after = retry_after
        self.provider_request_id = provider_request_id
        self.provider_code = provider_code

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    @property
    def permanent(self) -> bool:
        return not self.retryable


@dataclass(frozen=True)
class Diagnosis:
    """Outcome of a connection test or health check, phrased for an administrator."""

    ok: bool
    kind: str  # "ok" or an ErrorKind value
    message: str
    latency_ms: int | None = None


class Adapter:
    """Base class: one instance per (connection, secret version), shared by threads."""

    def chat(self, request: ChatRequest) -> ChatResult:
        raise NotImplementedError

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        raise NotImplementedError

    def embed(self, model: str, texts: list[str]) -> EmbedResult:
        raise ProviderError("This provider offers no embeddings here.", kind=ErrorKind.CONFIG)

    def test_connection(self, model: str | None = None) -> Diagnosis:
        raise NotImplementedError

    def health_check(self) -> Diagnosis:
        return self.test_connection()

    def list_models(self) -> list[ModelChoice]:
        """What the connection's account offers, through the provider's own list call."""
        raise ProviderError("This provider does not list its models.", kind=ErrorKind.CONFIG)

    def account(self) -> str:
        """The account its requests are billed to, as the outbound log records it (the
        validation view compares the two)."""
        return ""
