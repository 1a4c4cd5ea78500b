"""*Version Management*: the version overview, instance-level targets per provider, the bulk
*Update model version for skills*, and removing a target (back to the default)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from auditlog.models import AuditEvent
from auditlog.presentation import with_words
from console.version_forms import InstanceTargetForm, SkillTargetsForm
from core.access import requires
from skills.services import versions
from skills.services.resolution import provider_for

HISTORY = 30


def _refused(form: Form, exc: ValidationError) -> None:
    """The model's refusal, on the version field where it is about the version."""
    for name, errors in exc.message_dict.items():
        form.add_error("model_version" if name == "model_version" else None, errors)


def _provider_rows(bound: InstanceTargetForm | None = None) -> list[dict]:
    """Each provider's overview with its target form (the posted one, errors and all, for the
    provider it was posted for)."""
    posted = bound.cleaned_data.get("provider") if bound is not None else None
    rows = []
    for row in versions.overview():
        current = {"model_version": row.target.model_version_id} if row.target else {}
        form = InstanceTargetForm(provider=row.provider, initial=current)
        if bound is not None and posted == row.provider:
            form = bound
        rows.append({"row": row, "form": form})
    return rows


def _page(
    request: HttpRequest,
    *,
    instance: InstanceTargetForm | None = None,
    bulk: SkillTargetsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    history = with_words(
        AuditEvent.objects.filter(object_type="skills.versionoverride").order_by(
            "-created_at", "-id"
        )[:HISTORY]
    )
    bulk = bulk or SkillTargetsForm()
    ticked = bulk.data.getlist("skills") if bulk.is_bound else []
    context = {
        "providers": _provider_rows(instance),
        "skills": versions.skill_versions(),
        "bulk": bulk,
        "instance": instance,
        "checked": set(ticked),  # compared as text: a posted value is never converted
        "history": history,
    }
    return render(request, "console/versions.html", context, status=status)


@requires("view_config")
def version_list(request: HttpRequest) -> HttpResponse:
    """Overview, instance level configuration and the skills' target versions."""
    return _page(request)


@require_POST
@requires("configure")
def version_instance(request: HttpRequest) -> HttpResponse:
    """Set one provider's instance-level target version (htmx swaps that provider's card)."""
    form = InstanceTargetForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            override = versions.set_instance_target(
                form.cleaned_data["provider"], form.cleaned_data["model_version"]
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            saved = True
            if not request.htmx:
                messages.success(request, f"Instance target saved: {override}.")
                return redirect("versions")
    provider = form.cleaned_data.get("provider")
    if provider is not None:
        form.offer(provider)
    if request.htmx and provider is not None:
        rows = _provider_rows(None if saved else form)
        row = next(r for r in rows if r["row"].provider == provider)
        row["saved"] = saved
        # htmx swaps only 2xx answers: the card with its errors comes back as 200 there.
        return render(request, "console/_version_provider.html", {"p": row})
    return _page(request, instance=form, status=400)


@require_POST
@requires("configure")
def version_skills(request: HttpRequest) -> HttpResponse:
    """*Update model version for skills*: every ticked skill targets the chosen version."""
    form = SkillTargetsForm(request.POST)
    if form.is_valid():
        version = form.cleaned_data["model_version"]
        try:
            done = versions.set_skill_targets(form.cleaned_data["skills"], version)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            elsewhere = sum(1 for o in done if provider_for(o.skill) != version.provider)
            note = (
                f" {elsewhere} of them are served by another provider now: their target "
                f"applies when {version.provider.name} serves them."
                if elsewhere
                else ""
            )
            messages.success(
                request,
                f"{len(done)} skill(s) now target {version.name} on {version.provider.name}."
                + note,
            )
            return redirect("versions")
    return _page(request, bulk=form, status=400)


@require_POST
@requires("configure")
def version_target_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a target: its instance or skill goes back to the default version."""
    override = get_object_or_404(versions.targets(), pk=pk)
    versions.clear_target(override)
    messages.success(request, f"Target removed: {override.skill or 'instance'} uses the default.")
    return redirect("versions")
