"""Logs: the BYOK validation view (outbound HTTPS log) and the generative AI log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from auditlog import queries
from auditlog.forms import OutboundFilterForm
from skills.models import Invocation

from ..access import requires
from ..forms import InvocationFilterForm
from .base import page_query, paginate


@requires("view_logs")
def validation(request: HttpRequest) -> HttpResponse:
    """BYOK validation: the outbound HTTPS log, filtered, newest first, paged by cursor."""
    form = OutboundFilterForm(request.GET)
    result, cursor_error = None, ""
    if form.is_valid():
        filters, since, until = form.query()
        try:
            result = queries.page(
                queries.filtered(filters, since=since, until=until),
                cursor=request.GET.get("cursor") or None,
                size=form.cleaned_data.get("page_size") or 50,
            )
        except queries.InvalidCursor as exc:
            cursor_error = str(exc)
    next_query = ""
    if result and result.next_cursor:
        params = request.GET.copy()
        params["cursor"] = result.next_cursor
        next_query = params.urlencode()
    context = {"form": form, "page": result, "next_query": next_query, "cursor_error": cursor_error}
    template = "byok_admin/_outbound_rows.html" if request.htmx else "byok_admin/validation.html"
    return render(request, template, context)


@requires("view_logs")
def invocations(request: HttpRequest) -> HttpResponse:
    """The generative AI log: every skill run, newest first, filtered by skill/status/route."""
    form = InvocationFilterForm(request.GET)
    rows, prev_query, next_query = None, "", ""
    if form.is_valid():
        queryset = Invocation.objects.filter(**form.filters()).select_related(
            "skill", "provider", "connection"
        )
        rows = paginate(queryset.order_by("-created_at", "-id"), form.cleaned_data.get("page"))
        if rows.has_next:
            next_query = page_query(request, rows.number + 1)
        if rows.has_previous:
            prev_query = page_query(request, rows.number - 1)
    context = {"form": form, "rows": rows, "next_query": next_query, "prev_query": prev_query}
    return render(request, "byok_admin/invocations.html", context)


@requires("view_logs")
def invocation_detail(request: HttpRequest, pk: str) -> HttpResponse:
    invocation = get_object_or_404(
        Invocation.objects.select_related(
            "skill", "provider", "connection", "alias", "variant", "requested_by"
        ),
        pk=pk,
    )
    outbound = invocation.outbound_requests.order_by("created_at", "id")
    context = {"invocation": invocation, "outbound": outbound}
    return render(request, "byok_admin/invocation_detail.html", context)
