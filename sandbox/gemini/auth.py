"""Who is calling: a Gemini API key's account, or the Vertex project a Bearer access token or
an express-mode API key belongs to; or the error Google answers instead."""

from __future__ import annotations

import time

from aiohttp import web

from sandbox.common import bearer, state
from sandbox.gemini.errors import UNAUTHENTICATED, bad_api_key, google_error
from sandbox.tags import tag


def _api_key(request: web.Request) -> str | None:
    return request.headers.get("x-goog-api-key") or request.query.get("key")


def gemini_account(request: web.Request) -> str | web.Response:
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
    return bad_api_key()


def vertex_owner(request: web.Request) -> str | web.Response:
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
            return bad_api_key()
        tag(request, auth="express_api_key")
    tag(request, account=owner)
    return owner
