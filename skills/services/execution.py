"""One route's provider call, with the console's own retries (SDK retries are off).

Retryable errors (throttling, 5xx, timeouts, resets) are retried with exponential backoff and
full jitter, never sooner than the provider's retry hint, within a bounded number of attempts
and a total deadline; permanent errors stop at once. Every attempt runs inside
`outbound_scope`, so each HTTP request is logged against the invocation with its attempt
number. A request whose outbound row could not be written was not sent: the database error
is raised, not retried as a provider error.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.errors import ErrorCode
from providers.adapters.base import (
    Adapter,
    ChatRequest,
    ChatResult,
    ErrorKind,
    Message,
    ProviderError,
)
from skills.choices import ResponseFormat
from skills.services.config import tunable, tunable_int
from skills.services.resolution import Resolution, ResolvedRoute

_rng = random.SystemRandom()


@dataclass
class Budget:
    """Attempts and time left for one invocation, shared by its primary and fallback routes."""

    deadline: float  # time.monotonic() value
    max_attempts: int
    attempts: int = 0  # attempts made so far, across routes and runs

    @classmethod
    def start(cls, attempts_so_far: int = 0) -> Budget:
        return cls(
            deadline=time.monotonic() + tunable("SKILLS_DEADLINE_SECONDS"),
            max_attempts=tunable_int("SKILLS_MAX_ATTEMPTS"),
            attempts=attempts_so_far,
        )


class StreamListener(Protocol):
    """Told each streamed text delta of a call; `begin` starts every attempt afresh."""

    def begin(self) -> None: ...

    def feed(self, delta: str) -> None: ...


@dataclass
class RouteOutcome:
    result: ChatResult | None = None
    error: ProviderError | None = None
    attempts: int = 0  # attempts on this route
    request_ids: list[str] = field(default_factory=list)
    exhausted: bool = False  # stopped on a retryable error (attempts or deadline ran out)


def build_request(resolution: Resolution, system: str, prompt: str) -> ChatRequest:
    variant = resolution.variant
    return ChatRequest(
        model=resolution.model,
        messages=(Message(role="user", content=prompt),),
        system=system,
        temperature=float(variant.temperature),
        max_tokens=variant.max_tokens,
        response_format=("json" if variant.response_format == ResponseFormat.JSON else "text"),
    )


def backoff(attempt: int, retry_after: float | None) -> float:
    """Full jitter over base·2^(n-1), capped; never sooner than the provider's hint."""
    ceiling = min(
        tunable("SKILLS_BACKOFF_CAP"), tunable("SKILLS_BACKOFF_BASE") * 2 ** (attempt - 1)
    )
    delay = _rng.uniform(0, ceiling)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, retry_after)
    return delay


def call_route(
    resolution: ResolvedRoute,
    request: ChatRequest,
    *,
    budget: Budget,
    scope: dict[str, Any],
    should_stop: Callable[[], bool] = lambda: False,
    listener: StreamListener | None = None,
) -> RouteOutcome:
    """Call the adapter of `resolution` until success, a permanent error or the budget ends.

    `scope` says whom the outbound requests belong to (purpose, invocation_id or agent_run_id);
    skills and agents share this one retry policy. With a `listener`, the answer is streamed
    and each text delta handed to it as it arrives.
    """
    from providers.adapters import get_adapter
    from providers.outbound.capture import outbound_scope

    outcome = RouteOutcome()
    route_attempt = 0
    while True:
        route_attempt += 1
        budget.attempts += 1
        outcome.attempts = route_attempt
        try:
            adapter = get_adapter(resolution.connection)
            with outbound_scope(**scope, attempt=budget.attempts, route=resolution.route) as sent:
                try:
                    result = _send(adapter, request, listener)
                except ProviderError:
                    if sent.write_ahead_error is not None:
                        # Not sent: its row could not be written (the SDK wrapped the error).
                        raise sent.write_ahead_error from None
                    raise
        except ProviderError as exc:
            if exc.provider_request_id:
                outcome.request_ids.append(exc.provider_request_id)
            outcome.error = exc
        else:
            if result.provider_request_id:
                outcome.request_ids.append(result.provider_request_id)
            outcome.result, outcome.error = result, None
            return outcome
        error = outcome.error
        if not error.retryable:
            return outcome
        if route_attempt >= budget.max_attempts:
            outcome.exhausted = True
            return outcome
        delay = backoff(route_attempt, error.retry_after)
        if time.monotonic() + delay >= budget.deadline:
            outcome.exhausted = True
            return outcome
        time.sleep(delay)
        if should_stop():
            return outcome


def _send(adapter: Adapter, request: ChatRequest, listener: StreamListener | None) -> ChatResult:
    """One request: the whole answer at once, or streamed through `listener`."""
    if listener is None:
        return adapter.chat(request)
    listener.begin()
    result = None
    for event in adapter.stream(request):
        if event.delta:
            listener.feed(event.delta)
        if event.result is not None:
            result = event.result
    if result is None:
        raise ProviderError("The stream ended without a final answer.", kind=ErrorKind.MALFORMED)
    return result


def parse_json_output(text: str) -> object | None:
    """The JSON a json-format variant asked for; tolerates a ```json fence around it."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`")
        if body.lower().startswith("json"):
            body = body[4:]
    try:
        return json.loads(body)
    except ValueError:
        return None


def describe_error(error: ProviderError) -> str:
    status = f" (HTTP {error.status_code})" if error.status_code else ""
    return f"{error.message}{status}"


def error_code(error: ProviderError) -> ErrorCode:
    return ErrorCode.for_provider(ErrorKind(error.kind).value)
