"""Audit trail: every configuration change in words (field labels, names of related rows,
labels of choices; secrets only as set, changed or removed)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from auditlog.filtersets import AuditEventFilter
from auditlog.models import AuditEvent
from auditlog.presentation import with_words
from console.views.base import filtered_page
from core.access import requires


@requires("view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, filtered as `/api/v1/audit-events/` is (one `AuditEventFilter`)."""
    filterset = AuditEventFilter(request.GET, queryset=AuditEvent.objects.select_related("actor"))
    context = filtered_page(request, filterset)
    if context["rows"]:
        with_words(context["rows"].rows)
    return render(request, "console/audit.html", context)
