"""Overview, usage and cost, and connection health: read-only pages for every log reader.

Each reads its parameters through a form (a bad period or date answers 400 with the form's
message), asks a service for the numbers and `console.services.reports` for the charts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from console.report_forms import HealthPeriodForm, PeriodForm, UsageForm, bound
from console.services import reports as pages
from core.access import requires
from providers import health
from providers.models import Connection
from providers.ownership import visible_connections
from skills.services import reports

# The health history is per check, not per day: its periods are exact windows back from now.
HEALTH_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def _since(form: PeriodForm) -> datetime:
    key = form.cleaned_data.get("period") or reports.DEFAULT_PERIOD
    return timezone.now() - HEALTH_WINDOWS[key]


@requires("view_logs")
def overview(request: HttpRequest) -> HttpResponse:
    """Per provider: mode, health, calls, failures, p50/p95 and cost over a period, with
    sparklines; then the recent failures and what each one said."""
    form = bound(PeriodForm, request.GET)
    if not form.is_valid():
        return render(request, "console/overview.html", {"form": form}, status=400)
    days = form.days()
    summaries = reports.provider_summaries(days)
    context = {
        "form": form,
        "days": days,
        "rows": pages.provider_rows(summaries),
        "any_calls": any(s.total.calls for s in summaries),
        "failures": reports.recent_failures(days),
    }
    return render(request, "console/overview.html", context)


def _usage(request: HttpRequest) -> tuple[UsageForm, reports.UsageReport | None]:
    form = bound(UsageForm, request.GET)
    if not form.is_valid():
        return form, None
    return form, reports.usage_report(form.dimension(), form.days(), **form.filters())


@requires("view_logs")
def usage(request: HttpRequest) -> HttpResponse:
    """Calls, tokens and cost per day by provider, connection, model, skill or route."""
    form, report = _usage(request)
    if report is None:
        return render(request, "console/usage.html", {"form": form}, status=400)
    context = {
        "form": form,
        "report": report,
        "charts": pages.usage_charts(report) if report.total.calls else [],
        "headers": pages.TABLE_HEADERS,
        "table": pages.usage_table(report),
        "total": report.total,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "console/usage.html", context)


@requires("view_logs")
def usage_csv(request: HttpRequest) -> HttpResponse:
    """The usage page's table as CSV, its cells safe to open in a spreadsheet."""
    form, report = _usage(request)
    if report is None:
        errors = "; ".join(m for messages in form.errors.values() for m in messages)
        return HttpResponse(
            f"Bad parameters: {errors}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(pages.usage_csv(report), content_type="text/csv; charset=utf-8")
    name = f"usage-{report.dimension}-{report.days.first}-{report.days.last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires("view_logs")
def health_list(request: HttpRequest) -> HttpResponse:
    """Every connection the user may read: its status in words and a link to its history."""
    connections = visible_connections(
        request.user, Connection.objects.select_related("provider")
    ).order_by("-is_active", "provider__name", "name")
    rows = [{"connection": c, "explanation": health.explain(c)} for c in connections]
    return render(request, "console/health.html", {"rows": rows})


@requires("view_logs")
def health_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One connection's status timeline and latency chart over a period, explained."""
    connection = (
        visible_connections(request.user, Connection.objects.select_related("provider"))
        .filter(pk=pk)
        .first()
    )
    if connection is None:
        raise Http404("No such connection.")
    form = bound(HealthPeriodForm, request.GET)
    if not form.is_valid():
        context = {"form": form, "connection": connection}
        return render(request, "console/health_detail.html", context, status=400)
    record = health.history(connection, _since(form))
    context = {
        "form": form,
        "connection": connection,
        "record": record,
        "charts": pages.health_charts(record),
        "failures": record.failures,
    }
    return render(request, "console/health_detail.html", context)
