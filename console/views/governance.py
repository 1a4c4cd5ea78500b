"""Settings: the governance controls (Guardian, data privacy, data patterns, allowed providers,
budgets), one page each with its list, its add/edit form and a remove button.

The five pages share one shape, so they share these views; a `Section` says what differs
(model, form, columns). Data stewards and administrators change them, auditors read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console import governance_forms as gf
from core.access import requires
from core.roles import has_capability
from skills.governance.custom import try_pattern
from skills.governance.errors import GovernanceError
from skills.governance.patterns import BUILTIN_PATTERNS
from skills.models import (
    Budget,
    DataPattern,
    GuardrailSetting,
    PrivacyPolicy,
    ProviderAllowance,
)
from skills.services import budgets


def _where(row: Any) -> str:
    return row.skill.name if getattr(row, "skill_id", None) else "Instance"


def _on(flag: bool) -> str:
    return "Active" if flag else "Inactive"


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    lede: str
    model: type[models.Model]
    form: type[forms.ModelForm]
    columns: tuple[str, ...]
    cells: Callable[[Any], list[str]]
    related: tuple[str, ...] = ()

    def rows(self) -> list[Any]:
        return list(self.model._default_manager.select_related(*self.related))


SECTIONS = {
    s.slug: s
    for s in (
        Section(
            "guardian",
            "Now Assist Guardian",
            "Checks every prompt (after masking) for prompt injection, offensive content and "
            "sensitive topics. Log mode records what was found on the call's trace; block "
            "mode refuses the call before anything is sent. A skill's own setting replaces "
            "the instance's for that check.",
            GuardrailSetting,
            gf.GuardrailForm,
            ("Applies to", "Check", "Mode", "Detector"),
            lambda r: [
                _where(r),
                r.get_kind_display(),
                r.get_mode_display(),
                r.detector or "built-in",
            ],
            ("skill",),
        ),
        Section(
            "privacy",
            "Data privacy",
            "Personal data in a prompt is replaced with placeholders such as [EMAIL_1] before "
            "it is sent, and restored in the answer shown to the user. Only the masked text "
            "is sent, logged or stored. Every active policy that applies to a call adds its "
            "patterns.",
            PrivacyPolicy,
            gf.PrivacyPolicyForm,
            ("Name", "Applies to", "Provider", "Patterns", "Name fields", "State"),
            lambda r: [
                r.name,
                _where(r),
                r.provider.name if r.provider_id else "Every provider",
                ", ".join(r.patterns) or "—",
                ", ".join(r.name_fields) or "—",
                _on(r.is_active),
            ],
            ("skill", "provider"),
        ),
        Section(
            "data-patterns",
            "Data patterns",
            "Your own kinds of personal data, as regular expressions, for privacy policies "
            "to mask beside the built-in ones. Try a pattern on a sample before saving it.",
            DataPattern,
            gf.DataPatternForm,
            ("Key", "Label", "Regular expression", "State"),
            lambda r: [r.key, r.label, r.regex, _on(r.is_active)],
        ),
        Section(
            "allowed-providers",
            "Allowed providers",
            "With no instance entry every provider is allowed. Once the instance lists "
            "providers, only those serve; a skill's entries narrow that further. Regions "
            "(Bedrock, Vertex AI) restrict the connections a provider may use. A call that "
            "would break the list fails with the reason in its trace.",
            ProviderAllowance,
            gf.AllowanceForm,
            ("Applies to", "Provider", "Regions", "State"),
            lambda r: [_where(r), r.provider.name, ", ".join(r.regions) or "any", _on(r.is_active)],
            ("skill", "provider"),
        ),
        Section(
            "budgets",
            "Budgets",
            "Spend and token limits per day or month. A call reserves its worst case before "
            "it is sent and is refused once what was used and reserved reaches the limit; "
            "the reservation is settled with the actual usage when the call ends.",
            Budget,
            gf.BudgetForm,
            ("Name", "Limits", "Period", "Limit", "Used", "Reserved", "State"),
            lambda s: [
                s.budget.name,
                str(s.budget.target or s.budget.get_scope_display()),
                s.budget.get_period_display(),
                f"{s.budget.limit.normalize():f} {s.budget.get_metric_display()}",
                f"{s.used.normalize():f} ({s.percent}%)" + (" — alert sent" if s.alerted else ""),
                f"{s.reserved.normalize():f}",
                _on(s.budget.is_active),
            ],
            ("provider", "connection", "skill", "user"),
        ),
    )
}


def _section(slug: str) -> Section:
    section = SECTIONS.get(slug)
    if section is None:
        raise Http404("No such settings page.")
    return section


def _rows(section: Section) -> list[tuple[int, list[str]]]:
    if section.model is Budget:
        return [(s.budget.pk, section.cells(s)) for s in budgets.standings(section.rows())]
    return [(r.pk, section.cells(r)) for r in section.rows()]


def _render(
    request: HttpRequest,
    section: Section,
    form: forms.ModelForm | None,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context: dict[str, Any] = {
        **extra,
        "section": section,
        "sections": SECTIONS.values(),
        "rows": _rows(section),
        "form": form,
        "editing": form is not None and form.instance.pk,
    }
    if section.model is DataPattern:
        context["builtin"] = BUILTIN_PATTERNS.values()
        context.setdefault("try_form", gf.PatternTryForm())
    return render(request, "console/settings.html", context, status=status)


@requires("view_governance")
def settings_page(request: HttpRequest, section: str = "guardian") -> HttpResponse:
    """GET: the control's list and (for those who may change it) its add form; POST: add."""
    page = _section(section)
    can_govern = has_capability(request.user, "govern")
    if request.method != "POST":
        return _render(request, page, page.form() if can_govern else None)
    if not can_govern:
        raise PermissionDenied
    return _save(request, page, page.form(request.POST))


@requires("govern")
def settings_edit(request: HttpRequest, section: str, pk: int) -> HttpResponse:
    page = _section(section)
    row = get_object_or_404(page.model, pk=pk)
    if request.method != "POST":
        return _render(request, page, page.form(instance=row))
    return _save(request, page, page.form(request.POST, instance=row))


def _save(request: HttpRequest, page: Section, form: forms.ModelForm) -> HttpResponse:
    if form.is_valid():
        row = form.save()
        messages.success(request, f"Saved: {row}.")
        return redirect("settings", section=page.slug)
    return _render(request, page, form, status=400)


@require_POST
@requires("govern")
def settings_remove(request: HttpRequest, section: str, pk: int) -> HttpResponse:
    page = _section(section)
    row = get_object_or_404(page.model, pk=pk)
    label = str(row)
    row.delete()
    messages.success(request, f"Removed: {label}.")
    return redirect("settings", section=page.slug)


@require_POST
@requires("govern")
def pattern_try(request: HttpRequest) -> HttpResponse:
    """The test box: what a regular expression finds in a sample (htmx swaps the result in)."""
    form = gf.PatternTryForm(request.POST)
    matches: list[tuple[int, int, str]] = []
    error = ""
    if form.is_valid():
        try:
            matches = try_pattern(form.cleaned_data["regex"], form.cleaned_data["sample"])
        except (GovernanceError, ValueError) as exc:
            error = getattr(exc, "message", None) or str(exc)
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    result = {"matches": matches, "error": error, "tried": form.is_valid()}
    if request.htmx:  # htmx swaps only 2xx answers into the page
        return render(request, "console/_pattern_try.html", result)
    page = _section("data-patterns")
    return _render(
        request,
        page,
        page.form(),
        status=400 if error else 200,
        try_form=form,
        **result,
    )
