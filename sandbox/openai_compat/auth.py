"""Which OpenAI-compatible account a request's key belongs to (the account's own header if it
declares one, else Bearer), and the 401 the API answers when none does."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.common import bearer, mask, state
from sandbox.config import OpenAICompatAccount
from sandbox.openai_compat.errors import openai_error
from sandbox.tags import tag


def _presented_key(request: web.Request, account: OpenAICompatAccount) -> str | None:
    """The key as this account expects it: its own header if it declares one, else Bearer."""
    if account.header_name:
        return request.headers.get(account.header_name) or None
    return bearer(request)


def find_account(request: web.Request) -> tuple[str, Any] | None:
    """The account (name, settings) whose key the request presents; tags how it was sent."""
    for name, account in state(request).config.openai_compatible.items():
        key = _presented_key(request, account)
        if key and key in account.api_keys:
            tag(
                request,
                auth=f"header:{account.header_name.lower()}" if account.header_name else "bearer",
            )
            return name, account
    return None


def auth_error(request: web.Request) -> web.Response:
    """The 401 for a missing key, or for a key no account has (shown masked)."""
    key = bearer(request) or next(
        (
            request.headers[a.header_name]
            for a in state(request).config.openai_compatible.values()
            if a.header_name and request.headers.get(a.header_name)
        ),
        None,
    )
    if not key:
        return openai_error(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization"
            " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            None,
        )
    return openai_error(401, f"Incorrect API key provided: {mask(key)}.", "invalid_api_key")
