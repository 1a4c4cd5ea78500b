"""Prompts of a skill: its variants and versions, a draft's editor, diffs, publish, roll back,
and Try it (the prompt a version would send, rendered on a sample; nothing is sent)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console.prompt_forms import DraftForm, NewDraftForm, try_form
from core.access import requires
from core.roles import has_capability
from skills.choices import Source, VariantStatus
from skills.models import Skill, SkillVariant
from skills.services import variants
from skills.services.errors import SkillError
from skills.services.invocations import create_invocation, wait_for

# As on the skill's page: a quick answer shows at once, a longer one follows live.
RUN_WAIT_SECONDS = 1.0

STATUS_ORDER = Case(
    When(status=VariantStatus.DRAFT, then=Value(0)),
    When(status=VariantStatus.PUBLISHED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@requires("view_config")
def prompts(request: HttpRequest, key: str) -> HttpResponse:
    """Every variant of the skill, per provider and name, newest version first."""
    return _list_page(request, get_object_or_404(Skill, key=key))


def _list_page(request: HttpRequest, skill: Skill, status: int = 200, **extra: Any) -> HttpResponse:
    rows = (
        SkillVariant.objects.filter(skill=skill)
        .select_related("provider")
        .order_by("provider__name", "name", STATUS_ORDER, "-version")
    )
    context = {
        "skill": skill,
        "rows": rows,
        "can_configure": has_capability(request.user, "configure"),
        **extra,
    }
    return render(request, "console/prompts.html", context, status=status)


@requires("configure")
@require_POST
def prompt_draft_new(request: HttpRequest, key: str) -> HttpResponse:
    """A draft copied from the chosen version (the open draft if there is one already)."""
    skill = get_object_or_404(Skill, key=key)
    form = NewDraftForm(skill, request.POST)
    if not form.is_valid():
        return _list_page(request, skill, status=400, draft_errors=form.errors["source"])
    source = form.cleaned_data["source"]
    if (draft := variants.open_draft(source)) is not None:
        messages.info(
            request,
            f"Draft v{draft.version} is already open for this variant: edit it, or publish it "
            f"before starting another from v{source.version}.",
        )
    draft = variants.create_draft(source, user=request.user)
    return redirect("prompt_variant", key=skill.key, pk=draft.pk)


def _variant(key: str, pk: int) -> SkillVariant:
    return get_object_or_404(
        SkillVariant.objects.select_related("skill", "provider", "created_by"),
        pk=pk,
        skill__key=key,
    )


def _page(
    request: HttpRequest, variant: SkillVariant, status: int = 200, **extra: Any
) -> HttpResponse:
    published = variants.published_of(variant)
    can_configure = has_capability(request.user, "configure")
    editable = can_configure and variant.status == VariantStatus.DRAFT
    form = extra.pop("form", None)
    if form is None and editable:
        form = DraftForm(initial={f: getattr(variant, f) for f in variants.EDITABLE})
    context = {
        "skill": variant.skill,
        "variant": variant,
        "published": published,
        "versions": variants.versions_of(variant),
        "diff": variants.diff(published, variant) if published and published != variant else [],
        "variables": variants.variables(variant),
        "can_configure": can_configure,
        "can_run": has_capability(request.user, "run"),
        "editable": editable,
        "form": form,
        "try_form": extra.pop("try_form", None) or try_form(variant.skill),
        **extra,
    }
    return render(request, "console/prompt_variant.html", context, status=status)


@requires("view_config")
def prompt_variant(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """One version: its text, variables and diff from the published one; POST saves a draft."""
    if request.method == "POST" and not has_capability(request.user, "configure"):
        raise PermissionDenied
    variant = _variant(key, pk)
    if request.method != "POST":
        return _page(request, variant)
    form = DraftForm(request.POST)
    if form.is_valid():
        try:
            variants.update_draft(variant, form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except variants.VariantStateError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("prompt_variant", key=key, pk=variant.pk)
    return _page(request, variant, status=400, form=form)


@requires("configure")
@require_POST
def prompt_publish(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _transition(request, _variant(key, pk), variants.publish)


@requires("configure")
@require_POST
def prompt_rollback(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    return _transition(request, _variant(key, pk), variants.rollback)


def _transition(request: HttpRequest, variant: SkillVariant, change: Any) -> HttpResponse:
    try:
        change(variant)
    except variants.VariantStateError as exc:
        return _page(request, variant, status=400, state_error=str(exc))
    return redirect("prompt_variant", key=variant.skill.key, pk=variant.pk)


@requires("view_config")
@require_POST
def prompt_try(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """The system and user prompt this version would send for a sample input (htmx swaps the
    result in beside the form); nothing is sent to a provider and nothing is saved."""
    return _try(request, _variant(key, pk), run=False)


@requires("run")
@require_POST
def prompt_run(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    """Try it for real: the skill runs on this version (a draft included) through the usual
    route, governance and budgets, logged like any run; the result panel follows it live."""
    return _try(request, _variant(key, pk), run=True)


def _try(request: HttpRequest, variant: SkillVariant, *, run: bool) -> HttpResponse:
    form = try_form(variant.skill, request.POST)
    result: dict[str, Any] = {"tried": True}
    if form.is_valid():
        record = form.cleaned_data.get("record")
        data = {k: v for k, v in form.cleaned_data.items() if k != "record" and v not in ("", None)}
        try:
            result["system"], result["prompt"] = variants.dry_render(variant, data, record)
            if run:
                created = create_invocation(
                    variant.skill.key,
                    data,
                    user=request.user,
                    source=Source.UI,
                    record=record,
                    variant=variant,
                )
                result["invocation"] = wait_for(created.pk, RUN_WAIT_SECONDS)
        except SkillError as exc:
            result["error"] = exc.message
    else:
        result["error"] = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    if request.htmx:  # htmx swaps only 2xx answers into the page
        return render(request, "console/_prompt_try.html", result)
    return _page(
        request, variant, status=400 if "error" in result else 200, try_form=form, **result
    )
