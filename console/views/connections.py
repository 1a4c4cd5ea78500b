"""Connections: list, create/edit with write-only secrets, test, deactivate (confirmed).

Platform (OEM) connections are listed read-only, and only to the platform operator; tenant
roles see that they exist, not what they are (see providers.ownership).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console.forms import ConnectionForm, RotateSecretForm
from core.access import requires
from providers import devhints, ownership
from providers.choices import ConnectionOwner
from providers.health import with_last_test
from providers.models import Connection
from providers.rotation import rotate_secrets
from providers.services import test_connection
from skills.services.impact import deactivation_impact


def _customer_connection(pk: int) -> Connection:
    return get_object_or_404(
        Connection.objects.select_related("provider"), pk=pk, owner=ConnectionOwner.CUSTOMER
    )


@requires("view_config")
def connection_list(request: HttpRequest) -> HttpResponse:
    connections = list(
        ownership.visible_connections(
            request.user,
            with_last_test(Connection.objects.select_related("provider")).order_by("owner", "name"),
        )
    )
    customer = [c for c in connections if c.owner == ConnectionOwner.CUSTOMER]
    platform = [c for c in connections if c.owner == ConnectionOwner.PLATFORM]
    context = {
        "customer": customer,
        "platform": platform,
        "sees_platform": ownership.manages_platform(request.user),
    }
    return render(request, "console/connections.html", context)


@requires("configure")
def connection_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or edit a customer connection; secrets left blank are kept."""
    instance = _customer_connection(pk) if pk else None
    form = ConnectionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("connections")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "console/connection_form.html",
        {
            "form": form,
            "connection": instance,
            "demo_credentials": devhints.demo_credentials(instance) if instance else [],
        },
        status=status,
    )


@requires("configure")
def connection_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rotate secrets: the new values are tested before they replace the old ones; a failed
    test keeps the old ones unless the administrator ticks "save anyway"."""
    connection = _customer_connection(pk)
    form = RotateSecretForm(request.POST or None, connection=connection)
    context: dict = {"form": form, "connection": connection, "diagnosis": None}
    if request.method == "POST" and form.is_valid():
        try:
            rotation = rotate_secrets(
                connection,
                form.new_secrets,
                settings=form.new_settings,
                user=request.user,
                save_if_failed=form.cleaned_data["confirm"],
            )
        except ValidationError as exc:
            # Flattened: a rule may name a setting this form does not hold (the endpoint).
            form.add_error(None, exc.messages)
        else:
            if rotation.saved:
                return redirect("connections")
            context["diagnosis"] = rotation.diagnosis
            # Rebuilt unbound: no entered secret is echoed back, the admin re-enters it.
            context["form"] = RotateSecretForm(connection=connection)
            context["failed"] = True
    status = 400 if context["form"].is_bound and context["form"].errors else 200
    return render(request, "console/connection_rotate.html", context, status=status)


@require_POST
@requires("configure")
def connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the connection test; the diagnosis is swapped in next to the button."""
    connection = _customer_connection(pk)
    diagnosis = test_connection(connection, user=request.user)
    return render(
        request,
        "console/_diagnosis.html",
        {"diagnosis": diagnosis, "connection": connection},
    )


@require_POST
@requires("configure")
def connection_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate once confirmed; the first POST shows the aliases, skills and agents that
    would lose their route (beside the row with htmx, as a page without)."""
    connection = _customer_connection(pk)
    if request.POST.get("confirm"):
        connection.deactivate()
        return redirect("connections")
    context = {"impact": deactivation_impact(connection)}
    if request.htmx:
        return render(request, "console/_deactivate_confirm.html", context)
    return render(request, "console/connection_deactivate.html", context)
