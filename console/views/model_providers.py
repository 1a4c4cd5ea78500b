"""*Manage model providers*: the policy summary, the edit form, and the change history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from auditlog.models import AuditEvent
from auditlog.presentation import with_words
from console.forms import ModelProviderForm
from core.access import requires
from core.roles import has_capability
from skills.choices import PolicyScope
from skills.models import ModelProviderPolicy
from skills.services.policies import (
    activate_policy,
    customisations,
    deactivate_customisation,
    skill_policies,
)

HISTORY = 50


def _context(form: ModelProviderForm) -> dict:
    instance = ModelProviderPolicy.objects.filter(scope=PolicyScope.INSTANCE).first()
    history = with_words(
        AuditEvent.objects.filter(object_type="skills.modelproviderpolicy").order_by(
            "-created_at", "-id"
        )[:HISTORY]
    )
    return {
        "form": form,
        "instance": instance,
        "customisations": list(customisations()),
        "skills": skill_policies(),
        "history": history,
    }


@requires("view_config")
def model_providers(request: HttpRequest) -> HttpResponse:
    """GET: the summary and the form; POST (configure): save and activate."""
    customised = customisations().count()
    if request.method != "POST":
        form = ModelProviderForm(customised=customised)
        return render(request, "console/model_providers.html", _context(form))
    if not has_capability(request.user, "configure"):
        raise PermissionDenied
    form = ModelProviderForm(request.POST, customised=customised)
    if form.is_valid():
        data = form.cleaned_data
        change = activate_policy(
            data["scope"],
            data["provider"],
            fallback=data["fallback"],
            skill=data["skill"],
            skill_group=data["skill_group"] or "",
        )
        note = (
            f" {len(change.overwritten)} customisation(s) overwritten."
            if change.overwritten
            else ""
        )
        messages.success(request, f"Saved and activated: {change.policy}.{note}")
        return redirect("model_providers")
    return render(request, "console/model_providers.html", _context(form), status=400)


@require_POST
@requires("configure")
def model_provider_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a skill-group or skill customisation; its skills follow the next scope up."""
    policy = get_object_or_404(
        ModelProviderPolicy.objects.exclude(scope=PolicyScope.INSTANCE), pk=pk
    )
    deactivate_customisation(policy)
    messages.success(request, f"Customisation removed: {policy}.")
    return redirect("model_providers")
