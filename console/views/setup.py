"""Guided BYOK set-up of one provider: the documented steps on one page.

1. connection and credentials (only the chosen mode's fields; tested before it serves calls),
2. BYOK on (the Manage integration switch, with its impact summary), 3. aliases mapped (the
alias rows and their model picker), 4. per-skill overrides (Manage model providers),
5. validate: run a sample skill and list its outbound requests with their account (when no
skill goes to the provider yet, the administrator may tick routing the generic prompt skill
there: a skill customisation made through Manage model providers' own service).
The state of each step comes from `console.services.setup`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from console.forms import SetupConnectionForm
from console.services import setup
from core.access import requires
from providers.choices import IntegrationMode
from providers.integrations import IntegrationError, readiness, set_integration_mode
from providers.models import AliasMapping, Provider
from skills.choices import TERMINAL_STATUSES, Source
from skills.models import Invocation
from skills.services.errors import SkillError
from skills.services.impact import switch_impact
from skills.services.invocations import create_invocation, wait_for

# How long the Validate step waits for the sample run (a worker runs it).
VALIDATE_WAIT_SECONDS = 2.0


def _provider(kind: str) -> Provider:
    provider = get_object_or_404(Provider, kind=kind)
    if not provider.supports_byok:
        raise Http404("This provider is platform-managed and has no BYOK set-up.")
    return provider


def _form(
    provider: Provider, mode: setup.SetupMode, data: Any = None, instance: Any = None
) -> SetupConnectionForm:
    return SetupConnectionForm(
        data, instance=instance, provider=provider, fields=mode.fields, fixed=mode.fixed
    )


def _page(
    request: HttpRequest, provider: Provider, status: int = 200, **extra: Any
) -> HttpResponse:
    mode = setup.mode_for(provider.kind, request.GET.get("mode") or request.POST.get("mode"))
    progress = setup.setup_progress(provider)
    mappings = {
        m.alias_id: m
        for m in AliasMapping.objects.filter(
            alias__provider=provider, is_active=True
        ).select_related("connection")
    }
    context = {
        "provider": provider,
        "progress": progress,
        "modes": setup.modes_for(provider.kind),
        "mode": mode,
        "form": extra.pop("form", None) or _form(provider, mode),
        "alias_rows": [
            {"alias": a, "mapping": mappings.get(a.pk), "form": None, "saved": False}
            for a in progress.aliases
        ],
        "switch_problems": readiness(provider, IntegrationMode.BYOK),
        "sample_skill": setup.sample_skill(provider),
        "routable_sample": setup.routable_sample(provider),
        "proof": setup.validation_rows(provider, limit=5),
        **extra,
    }
    return render(request, "console/setup.html", context, status=status)


@requires("configure")
def setup_page(request: HttpRequest, kind: str) -> HttpResponse:
    return _page(request, _provider(kind))


@require_POST
@requires("configure")
def setup_connection(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 1: save the connection inactive, test it, activate it when the test passes (or
    when the administrator confirms after a failure). A failed test leaves it inactive, to
    be corrected here."""
    provider = _provider(kind)
    mode = setup.mode_for(kind, request.POST.get("mode"))
    pending = setup.pending_connection(provider, request.POST.get("connection"))
    form = _form(provider, mode, request.POST, instance=pending)
    if not form.is_valid():
        return _page(request, provider, status=400, form=form)
    result = setup.save_and_test(
        form.instance, user=request.user, confirm=bool(request.POST.get("confirm"))
    )
    if result.active:
        return redirect(reverse("setup", args=[kind]) + "#step-byok")
    # Rebuilt unbound on the stored (inactive) connection: no secret comes back in the page.
    retry = _form(provider, mode, instance=result.connection)
    return _page(
        request, provider, form=retry, diagnosis=result.diagnosis, pending=result.connection
    )


@require_POST
@requires("configure")
def setup_byok(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 2: the Manage integration switch to BYOK, first showing what it would move."""
    provider = _provider(kind)
    if not request.POST.get("confirm") and not readiness(provider, IntegrationMode.BYOK):
        impact = switch_impact(provider, IntegrationMode.BYOK)
        return _page(request, provider, impact=impact)
    try:
        set_integration_mode(provider, IntegrationMode.BYOK)
    except IntegrationError as exc:
        errors = [m for messages in exc.message_dict.values() for m in messages]
        return _page(request, provider, status=400, byok_error=errors)
    return redirect(reverse("setup", args=[kind]) + "#step-aliases")


@require_http_methods(["GET", "POST"])
@requires("configure")
def setup_validate(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 5: run the sample skill (POST) and show its outbound requests, with whether each
    went to one of the customer's own accounts; a GET with `?invocation=` reads a run again
    (the fragment asks for itself until the run is finished)."""
    provider = _provider(kind)
    if request.method == "GET":
        invocation = get_object_or_404(
            Invocation, pk=_uuid(request.GET.get("invocation")), provider=provider
        )
        return _validate_result(request, provider, invocation)
    skill = setup.sample_skill(provider)
    if skill is None and request.POST.get("route_sample"):
        # Asked for explicitly: a skill customisation, as on Manage model providers.
        skill = setup.route_sample_skill(provider)
    if skill is None:
        return _page(
            request,
            provider,
            status=400,
            run_error=f"No skill without a record uses {provider.name}.",
        )
    try:
        created = create_invocation(
            skill.key, setup.sample_input(skill), user=request.user, source=Source.UI
        )
        invocation = wait_for(created.pk, VALIDATE_WAIT_SECONDS)
    except SkillError as exc:
        return _page(request, provider, status=400, run_error=exc.message)
    return _validate_result(request, provider, invocation)


def _uuid(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such run.") from None


def _validate_result(
    request: HttpRequest, provider: Provider, invocation: Invocation
) -> HttpResponse:
    run_rows = setup.run_rows(provider, invocation.pk)
    context = {
        "invocation": invocation,
        "run_rows": run_rows,
        "running": invocation.status not in TERMINAL_STATUSES,
    }
    if request.htmx or request.method == "GET":
        return render(request, "console/_setup_validate.html", {**context, "provider": provider})
    return _page(request, provider, **context)
