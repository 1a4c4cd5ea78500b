"""The console's own middleware: who a change is attributed to, and which requests are
refused before any view reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.utils.html import format_html

from core.audit import AuditSource, audit_context
from core.errors import ErrorCode
from core.parsers import body_limit, too_large_message


class AuditContextMiddleware:
    """Attributes configuration changes made during a request to its user and door."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/"):
            source = AuditSource.API
        elif path.startswith("/django-admin/"):
            source = AuditSource.ADMIN
        else:
            source = AuditSource.UI
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with audit_context(actor=actor, source=source):
            return self.get_response(request)


class RequestLimitsMiddleware:
    """Answers a body or query string the console will not read with a 4xx, not a 500.

    Django raises `RequestDataTooBig`, `TooManyFieldsSent` and the like wherever a body or
    query string is first read, often in another middleware (CSRF reads the form); it then
    answers 400, or with DEBUG on its debug page, which shows the request and local values.
    Here a body over its limit (`core.parsers.body_limit` of the view: the configuration
    import has a larger one) is a 413 before it is read, a form or query string Django
    refuses is a 400, and so is any of those errors raised later in a view (a body with no
    Content-Length, read by a view). Under /api/ the answer is the API's `{code, detail}`;
    elsewhere, a short page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _content_length(request)
        if length > settings.BYOK_MAX_BODY_BYTES:
            limit = body_limit(_view_class(request))
            if length > limit:
                return _too_large(request, limit)
        try:
            request.GET  # noqa: B018 - parsed here, where a refusal is answered
            if request.method == "POST" and request.content_type in _FORM_TYPES:
                request.POST  # noqa: B018
        except _UNREADABLE as exc:
            return _unreadable(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return _unreadable(request, exc) if isinstance(exc, _UNREADABLE) else None


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# What Django raises on reading a body or query string it refuses.
_UNREADABLE = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    UnreadablePostError,
    BadRequest,
)


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # as Django reads it: no body


def _view_class(request: HttpRequest) -> Any:
    """The class of the view the request is for (DRF's `cls`, Django's `view_class`)."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)


def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return _too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    detail = f"The request could not be read: {exc}"
    return _refuse(request, 400, ErrorCode.MALFORMED_REQUEST, detail)


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return _refuse(request, 413, ErrorCode.REQUEST_TOO_LARGE, too_large_message(limit))


def _refuse(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    title = "Request too large" if status == 413 else "Bad request"
    page = format_html(
        '<!doctype html><html lang="en"><head><title>{} ({})</title></head>'
        "<body><h1>{}</h1><p>{}</p></body></html>",
        title,
        status,
        title,
        detail,
    )
    return HttpResponse(page, status=status)
