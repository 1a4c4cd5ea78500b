"""Audit trail: every configuration change with its field diff (secrets masked as stored)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from auditlog.filtersets import AuditEventFilter
from auditlog.models import AuditEvent
from console.views.base import filtered_page
from core.access import requires


@requires("view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, filtered as `/api/v1/audit-events/` is (one `AuditEventFilter`)."""
    filterset = AuditEventFilter(request.GET, queryset=AuditEvent.objects.select_related("actor"))
    context = filtered_page(request, filterset)
    for event in context["rows"].rows if context["rows"] else []:
        event.diff = [
            (name, *(pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)))
            for name, pair in (event.changes or {}).items()
        ]
    return render(request, "console/audit.html", context)
