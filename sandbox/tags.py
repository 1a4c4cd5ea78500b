"""Log details attached to a sandbox request (provider, account, operation, model, fault,
prompt digest)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

INFO: web.RequestKey[dict[str, Any]] = web.RequestKey("sandbox_info", dict)


def tag(request: web.Request, **info: Any) -> None:
    """Attach log details (provider, account, operation, model, fault) to the request."""
    if INFO not in request:
        request[INFO] = {}
    request[INFO].update(info)
