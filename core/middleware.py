from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.audit import AuditSource, audit_context


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
