from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from auditlog import queries
from auditlog.forms import OutboundFilterForm
from providers.models import Provider

from .access import requires


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "byok_admin/dashboard.html", {"providers": Provider.objects.all()})


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
