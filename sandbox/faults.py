"""Latency and fault injection per provider.

Faults are decided per request: first the ``fail_next`` counter, then ``error_rate`` with a
seeded RNG so a run is repeatable. The protocol modules render throttles and server errors in
their own format; ``hang``, ``reset``, ``stream_cut`` and ``body_cut`` are handled here because
they look the same everywhere (streaming senders write through :func:`write_chunk`, which does
the cut; the server cuts an answer that is not streamed with :func:`cut_answer`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

from aiohttp import web

from sandbox.config import PROVIDERS, FaultSpec, Latency, SandboxConfig
from sandbox.tags import tag

# Set on a request whose answer must be cut: the fault kind, "stream_cut" or "body_cut".
CUT: web.RequestKey[str] = web.RequestKey("sandbox_cut", str)
CUT_KINDS = ("stream_cut", "body_cut")

# Renders a fault kind ("throttle" | "server_error" | "malformed") for one provider.
FaultRenderer = Callable[[str, FaultSpec], web.StreamResponse]


class ConnectionAborted(Exception):
    """Raised after the transport was aborted, so no response is written."""


@dataclass
class _ProviderFaults:
    spec: FaultSpec
    remaining: int
    rng: random.Random


class Faults:
    """Runtime fault state of every provider (lives on the server's event loop)."""

    def __init__(self, config: SandboxConfig) -> None:
        self._default_latency = config.latency
        self._seed = config.seed
        self._state: dict[str, _ProviderFaults] = {}
        for provider in PROVIDERS:
            self.set(provider, config.faults.get(provider, FaultSpec()))

    def set(self, provider: str, spec: FaultSpec | dict[str, Any]) -> None:
        """Replace the faults of ``provider`` (``"*"`` for all providers)."""
        if isinstance(spec, dict):
            spec = FaultSpec.from_dict(spec)
        targets = PROVIDERS if provider in ("*", "all") else (provider,)
        for target in targets:
            if target not in PROVIDERS:
                raise ValueError(f"unknown provider {target!r}; expected one of {PROVIDERS}")
            seed = spec.seed if spec.seed is not None else self._seed
            self._state[target] = _ProviderFaults(
                spec=spec, remaining=spec.fail_next, rng=random.Random(f"{seed}:{target}")
            )

    def clear(self, provider: str | None = None) -> None:
        for target in PROVIDERS if provider in (None, "*", "all") else (provider,):
            self.set(target, FaultSpec())

    def snapshot(self) -> dict[str, Any]:
        return {
            name: {**asdict(state.spec), "remaining_fail_next": state.remaining}
            for name, state in self._state.items()
        }

    def latency_for(self, provider: str) -> Latency:
        spec = self._state[provider].spec
        return spec.latency if spec.latency is not None else self._default_latency

    def decide(self, provider: str) -> tuple[float, str | None, FaultSpec]:
        """Return (delay seconds, fault kind or None, spec) for the next request."""
        state = self._state[provider]
        latency = self.latency_for(provider)
        delay = 0.0 if latency.is_zero else latency.sample(state.rng)
        kind = None
        if state.remaining > 0:
            state.remaining -= 1
            kind = state.spec.kind
        elif state.spec.error_rate > 0 and state.rng.random() < state.spec.error_rate:
            kind = state.spec.kind
        return delay, kind, state.spec


async def apply(
    request: web.Request, faults: Faults, provider: str, render: FaultRenderer
) -> web.StreamResponse | None:
    """Sleep the configured latency; return a fault response, or None to answer normally."""
    delay, kind, spec = faults.decide(provider)
    if delay:
        await asyncio.sleep(delay)
    if kind is None:
        return None
    tag(request, fault=kind)
    if kind == "hang":
        await asyncio.sleep(spec.hang_s)
        return render("server_error", spec)
    if kind == "reset":
        abort(request)
    if kind in CUT_KINDS:
        request[CUT] = kind  # answered normally; write_chunk (or the server) cuts it
        return None
    return render(kind, spec)


async def write_chunk(request: web.Request, response: web.StreamResponse, data: bytes, index: int):
    """Write one chunk of a streamed answer; under ``stream_cut`` or ``body_cut``, drop the
    connection after the first one (the client has the headers and one chunk, then the
    connection closes)."""
    await response.write(data)
    if index == 0 and request.get(CUT):
        abort(request)


async def stream(
    request: web.Request, chunks: list[bytes], headers: dict[str, str], tail: bytes = b""
) -> web.StreamResponse:
    """Send a streamed answer chunk by chunk (each protocol frames its own chunks), honouring
    ``stream_cut`` and ``body_cut``; `tail` closes the body (e.g. a JSON array's bracket)."""
    response = web.StreamResponse(status=200, headers=headers)
    await response.prepare(request)
    for index, chunk in enumerate(chunks):
        await write_chunk(request, response, chunk, index)
    if tail:
        await response.write(tail)
    await response.write_eof()
    return response


def cut_pending(request: web.Request, response: web.StreamResponse) -> str | None:
    """The cut fault still owed by an answer that was not streamed (None if there is none)."""
    return None if response.prepared else request.get(CUT)


async def cut_answer(request: web.Request, response: web.StreamResponse, kind: str) -> NoReturn:
    """Cut an answer that was not streamed. ``stream_cut`` drops it before any byte;
    ``body_cut`` sends its status line, its headers (announcing the whole body's length) and
    the first half of its body, then drops the connection. Always raises ConnectionAborted."""
    body = getattr(response, "body", None)
    if kind == "body_cut" and isinstance(body, bytes) and len(body) > 1:
        partial = web.StreamResponse(
            status=response.status, reason=response.reason, headers=response.headers
        )
        partial.content_length = len(body)
        await partial.prepare(request)
        await partial.write(body[: len(body) // 2])
    abort(request)


def abort(request: web.Request) -> NoReturn:
    """Close the TCP connection without any response bytes."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise ConnectionAborted


def truncated_json(body: bytes, headers: dict[str, str] | None = None) -> web.Response:
    """The ``malformed`` fault: a 200 JSON answer cut in the middle (valid prefix, invalid
    JSON), rendered the same way for every provider."""
    return web.Response(
        body=body[: max(1, len(body) // 2)], content_type="application/json", headers=headers
    )
