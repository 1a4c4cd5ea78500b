"""API throttles: requests per user and per client address, and runs started per user.

Three scopes, each a rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (set from the
environment in config/settings.py); an empty rate turns its scope off:

- `user`: every request of one authenticated user (all of that user's tokens and sessions);
- `address`: every request from one client address, whoever makes it, so many accounts or
  tokens on one host share a budget;
- `runs`: POSTs that start a skill invocation or an agent run, per user, stricter than
  `user` because each may become a provider call. Views that start runs add `RunThrottle`
  to their create action.

Counts live in Django's default cache (a shared one, e.g. Redis, makes them count across web
processes). The client address is REMOTE_ADDR unless REST_FRAMEWORK["NUM_PROXIES"] says how
many proxies of one's own stand in front (their X-Forwarded-For entries are then trusted, and
no more of them). DRF checks throttles after authentication and permissions, so a request
that could not authenticate is refused with 401 before it counts.

A refusal is 429 with `Retry-After` and the API's error shape, `{code, detail}`
(`exception_handler`).
"""

from __future__ import annotations

import math
from typing import Any, cast

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core.errors import ErrorCode


def client_address(request: HttpRequest | Request) -> str:
    """The caller's address as the throttles see it (REMOTE_ADDR, or per NUM_PROXIES).

    DRF's own reading; it uses only the headers and META a Django request has too.
    """
    return str(BaseThrottle().get_ident(cast(Request, request)))


class _RateFromSettings(SimpleRateThrottle):
    """Reads its rate on every request, so a changed setting applies at once; an empty or
    missing rate lets every request through."""

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(str(self.scope))
        return str(rate) if rate else None

    def cache_key_for(self, ident: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UserThrottle(_RateFromSettings):
    """Requests per authenticated user."""

    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_key_for(request.user.pk)


class AddressThrottle(_RateFromSettings):
    """Requests per client address, whoever makes them."""

    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_key_for(client_address(request))


class RunThrottle(UserThrottle):
    """Runs started per user (skill invocations and agent runs share the budget)."""

    scope = "runs"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler; a throttled request is answered `{code: throttled, detail}`."""
    # Imported here: rest_framework.views reads DEFAULT_THROTTLE_CLASSES, which names this
    # module, when it is first imported, so a top-level import would be circular for whoever
    # imports this module first (the log-in views do).
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = math.ceil(seconds) if seconds is not None else None
        when = f"in {wait} second{'s' if wait != 1 else ''}" if wait else "later"
        response.data = {
            "code": ErrorCode.THROTTLED,
            "detail": f"Too many requests; try again {when}.",
        }
    return response
