"""Shared server state and helpers used by every protocol module."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.config import AwsSession, SandboxConfig
from sandbox.faults import Faults


class RequestLog:
    """Recent requests, for assertions and the ``/_sandbox/requests`` view. Never secrets."""

    def __init__(self, size: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class IssuedToken:
    project: str
    client_email: str
    expires_at: float


@dataclass
class SandboxState:
    config: SandboxConfig
    faults: Faults
    log: RequestLog
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    # Temporary credentials issued by STS AssumeRole, by access key id (the live account table).
    aws_sessions: dict[str, AwsSession] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)

    @classmethod
    def create(cls, config: SandboxConfig) -> SandboxState:
        return cls(config=config, faults=Faults(config), log=RequestLog(config.request_log_size))


STATE: web.AppKey[SandboxState] = web.AppKey("sandbox_state", SandboxState)


def state(request: web.Request) -> SandboxState:
    return request.app[STATE]


def new_id(prefix: str = "", length: int = 24) -> str:
    return prefix + uuid.uuid4().hex[:length]


def new_request_id() -> str:
    """A request id in the 8-4-4-4-12 form AWS services answer with."""
    return str(uuid.uuid4())


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
        status=status,
        headers=headers,
        content_type="application/json",
    )


async def read_json(request: web.Request) -> tuple[dict[str, Any] | None, bytes]:
    """The body as a dict (None if it is not a JSON object) and the raw bytes."""
    raw = await request.read()
    try:
        data = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return None, raw
    return (data if isinstance(data, dict) else None), raw


def bearer(request: web.Request) -> str | None:
    value = request.headers.get("Authorization", "")
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None


def mask(secret: str) -> str:
    """Last four characters only, for logs."""
    return "…" + secret[-4:] if secret else ""
