"""*Manage integration*: one card per provider with its mode, readiness and a switch."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console.services.setup import setup_progress
from core.access import requires
from core.roles import has_capability
from providers.choices import IntegrationMode
from providers.integrations import IntegrationError, readiness, set_integration_mode
from providers.models import Provider
from skills.services.impact import SwitchImpact, switch_impact


def _card(
    provider: Provider, error: list[str] | None = None, impact: SwitchImpact | None = None
) -> dict:
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
        "impact": impact,
        "progress": setup_progress(provider) if provider.supports_byok else None,
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
    """Switch a provider's mode, once confirmed.

    The first POST (no `confirm`) answers with the card showing what the switch would move —
    skills, agents, aliases left without a mapping — and a confirm button; a switch that
    would be refused anyway is tried at once, so its readiness message shows instead.
    """
    provider = get_object_or_404(Provider, kind=kind)
    mode = request.POST.get("mode", "")
    error: list[str] = []
    impact = None
    if (
        not request.POST.get("confirm")
        and mode in IntegrationMode.values
        and not readiness(provider, mode)
        and mode != provider.integration_mode
    ):
        impact = switch_impact(provider, mode)
    else:
        try:
            provider = set_integration_mode(provider, mode)
        except IntegrationError as exc:
            error = [m for messages in exc.message_dict.values() for m in messages]
    if not request.htmx:
        if error or impact:
            cards = [
                _card(p, error, impact) if p.pk == provider.pk else _card(p)
                for p in Provider.objects.order_by("name")
            ]
            status = 400 if error else 200
            return render(request, "console/dashboard.html", {"cards": cards}, status=status)
        return redirect("dashboard")
    return render(request, "console/_provider_card.html", {"card": _card(provider, error, impact)})


@requires("view_config")
def provider_card(request: HttpRequest, kind: str) -> HttpResponse:
    """One provider's card as it stands (the confirmation's Cancel swaps it back in)."""
    provider = get_object_or_404(Provider, kind=kind)
    return render(request, "console/_provider_card.html", {"card": _card(provider)})
