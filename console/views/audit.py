"""Audit trail: every configuration change with its field diff (secrets masked as stored)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from auditlog.models import AuditEvent
from console.forms import AuditFilterForm
from console.views.base import page_query, paginate
from core.access import requires


@requires("view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    rows, prev_query, next_query = None, "", ""
    if form.is_valid():
        events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-id")
        if form.cleaned_data.get("object_type"):
            events = events.filter(object_type__iexact=form.cleaned_data["object_type"])
        rows = paginate(events, form.cleaned_data.get("page"))
        for event in rows.rows:
            event.diff = [
                (name, *(pair if isinstance(pair, list) and len(pair) == 2 else ("", pair)))
                for name, pair in (event.changes or {}).items()
            ]
        if rows.has_next:
            next_query = page_query(request, rows.number + 1)
        if rows.has_previous:
            prev_query = page_query(request, rows.number - 1)
    context = {"form": form, "rows": rows, "next_query": next_query, "prev_query": prev_query}
    return render(request, "console/audit.html", context)
