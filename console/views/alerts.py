"""Alerts: rules, channels (a test-send each) and the history of incidents and notifications.

Readers of the logs see them; administrators (`configure`) change them. The logic is the
monitoring app's: these views only show its forms and call its engine.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console.forms import PageForm
from console.views.base import page_query, paginate
from core.access import requires
from monitoring.choices import IncidentState
from monitoring.forms import AlertRuleForm, ChannelForm
from monitoring.models import AlertRule, Channel, Incident, Notification
from monitoring.services.engine import test_send


@requires("view_logs")
def alerts(request: HttpRequest) -> HttpResponse:
    context = {
        "rules": AlertRule.objects.select_related("provider", "connection").prefetch_related(
            "channels"
        ),
        "channels": Channel.objects.all(),
        "open_incidents": Incident.objects.filter(state=IncidentState.OPEN).select_related("rule"),
    }
    return render(request, "console/alerts.html", context)


def _edit(
    request: HttpRequest, form_class: type[AlertRuleForm] | type[ChannelForm], instance: object
) -> HttpResponse:
    extra = {"user": request.user} if form_class is AlertRuleForm else {}
    form = form_class(request.POST or None, instance=instance, **extra)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("alerts")
    return render(
        request,
        "console/alert_form.html",
        {"form": form, "object": instance, "what": form_class.Meta.model._meta.verbose_name},
        status=400 if form.is_bound else 200,
    )


@requires("configure")
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(request, AlertRuleForm, get_object_or_404(AlertRule, pk=pk) if pk else None)


@requires("configure")
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return _edit(request, ChannelForm, get_object_or_404(Channel, pk=pk) if pk else None)


@require_POST
@requires("configure")
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test notification; the outcome is swapped in beside the button (htmx) or
    shown on the history page."""
    notification = test_send(get_object_or_404(Channel, pk=pk))
    if not request.htmx:
        return redirect("alert_history")
    return render(request, "console/_alert_test.html", {"notification": notification})


@requires("view_logs")
def alert_history(request: HttpRequest) -> HttpResponse:
    pager = PageForm(request.GET)
    number = (pager.cleaned_data["page"] if pager.is_valid() else None) or 1
    notifications = paginate(
        Notification.objects.select_related("incident__rule").order_by("-created_at", "-id"),
        number,
    )
    context = {
        "pager": pager,
        "notifications": notifications,
        "incidents": Incident.objects.select_related("rule").order_by("-opened_at", "-id")[:50],
        "next_query": page_query(request, number + 1) if notifications.has_next else "",
        "prev_query": page_query(request, number - 1) if notifications.has_previous else "",
    }
    return render(request, "console/alert_history.html", context)
