"""*Manage integration*: one card per provider with its mode, readiness and a switch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import requires
from core.roles import has_capability
from providers.choices import IntegrationMode
from providers.integrations import IntegrationError, readiness, set_integration_mode
from providers.models import Provider


def _card(provider: Provider, error: list[str] | None = None) -> dict:
    target = (
        IntegrationMode.OEM
        if provider.integration_mode == IntegrationMode.BYOK
        else IntegrationMode.BYOK
    )
    return {
        "provider": provider,
        "target": target,
        "target_label": "BYOK" if target == IntegrationMode.BYOK else "OEM",
        "switchable": provider.supports_byok
        if target == IntegrationMode.BYOK
        else provider.supports_oem,
        "problems": readiness(provider, provider.integration_mode),
        "switch_problems": readiness(provider, target),
        "error": error or [],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page. A role that cannot read configuration lands on the log instead."""
    if not has_capability(request.user, "view_config"):
        if has_capability(request.user, "view_logs"):
            return redirect("invocations")
        raise PermissionDenied
    cards = [_card(p) for p in Provider.objects.order_by("name")]
    return render(request, "console/dashboard.html", {"cards": cards})


@require_POST
@requires("configure")
def switch_mode(request: HttpRequest, kind: str) -> HttpResponse:
    """Switch a provider's mode; a refusal comes back as the card's readiness message."""
    provider = get_object_or_404(Provider, kind=kind)
    error: list[str] = []
    try:
        provider = set_integration_mode(provider, request.POST.get("mode", ""))
    except IntegrationError as exc:
        error = [m for messages in exc.message_dict.values() for m in messages]
    if not request.htmx:
        if error:
            cards = [
                _card(p, error if p.pk == provider.pk else None)
                for p in Provider.objects.order_by("name")
            ]
            return render(request, "console/dashboard.html", {"cards": cards}, status=400)
        return redirect("dashboard")
    return render(request, "console/_provider_card.html", {"card": _card(provider, error)})
