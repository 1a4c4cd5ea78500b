"""Audit trail: every configuration change with its field diff (secrets masked as stored)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from auditlog.filtersets import AuditEventFilter
from auditlog.models import AuditEvent
from console.forms import PageForm
from console.views.base import page_query, paginate
from core.access import requires


@requires("view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, filtered as `/api/v1/audit-events/` is (one `AuditEventFilter`)."""
    filterset = AuditEventFilter(request.GET, queryset=AuditEvent.objects.select_related("actor"))
    pager = PageForm(request.GET)
    rows, prev_query, next_query = None, "", ""
    if filterset.is_valid() and pager.is_valid():
        events = filterset.qs.order_by("-created_at", "-id")
        rows = paginate(events, pager.cleaned_data["page"])
        for event in rows.rows:
            event.diff = [
                (name, *(pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)))
                for name, pair in (event.changes or {}).items()
            ]
        if rows.has_next:
            next_query = page_query(request, rows.number + 1)
        if rows.has_previous:
            prev_query = page_query(request, rows.number - 1)
    context = {
        "filterset": filterset,
        "pager": pager,
        "rows": rows,
        "next_query": next_query,
        "prev_query": prev_query,
    }
    return render(request, "console/audit.html", context)
