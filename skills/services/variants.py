"""Prompt variants: drafts, publishing and rolling back, what a template uses, version diffs.

A (skill, provider, name) has at most one published version. Publishing a draft, or rolling
back to an archived version, archives the one published before it in the same transaction,
so history is kept and the live version changes atomically. The new live version stays the
default if the one it replaces was the default, so resolution never loses its variant.

Drafts are the only versions edited; a draft is made by copying another version, so the
published text is never changed in place. The API and the console's Prompts page share these
functions; saves are audited by `auditlog`'s signal handlers.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from providers.models import Provider
from skills.choices import VariantStatus
from skills.models import Record, Skill, SkillVariant
from skills.services.rendering import (
    PLACEHOLDER,
    RECORD,
    RECORD_ATTRIBUTES,
    input_names,
    render_prompt,
    validate_input,
)

EDITABLE = ("system_prompt", "template", "temperature", "max_tokens", "response_format", "notes")
LABELS = {
    "system_prompt": "System instructions",
    "template": "Prompt template",
    "temperature": "Temperature",
    "max_tokens": "Max tokens",
    "response_format": "Response format",
}
TEMPERATURE_RANGE = (Decimal("0"), Decimal("2"))
MAX_TOKENS_RANGE = (1, 200_000)
RECORD_SAMPLE = 200  # records read to learn which fields the skill's records carry


class VariantStateError(ValueError):
    """The variant is not in a state the action applies to."""


def publish(variant: SkillVariant) -> SkillVariant:
    """Make a draft the live version."""
    return _make_live(variant, expected=VariantStatus.DRAFT, verb="publish")


def rollback(variant: SkillVariant) -> SkillVariant:
    """Make an archived (earlier) version live again."""
    return _make_live(variant, expected=VariantStatus.ARCHIVED, verb="roll back to")


@transaction.atomic
def _make_live(variant: SkillVariant, *, expected: str, verb: str) -> SkillVariant:
    variant = SkillVariant.objects.select_for_update().get(pk=variant.pk)
    if variant.status != expected:
        raise VariantStateError(f"Only a {expected} variant can be used to {verb}.")
    live = SkillVariant.objects.select_for_update().filter(
        _same_scope(variant), status=VariantStatus.PUBLISHED
    )
    was_default = variant.is_default
    for old in live:  # archive first: the one-published constraint is checked per row
        was_default = was_default or old.is_default
        old.status = VariantStatus.ARCHIVED
        old.is_default = False
        old.save(update_fields=["status", "is_default"])
    variant.status = VariantStatus.PUBLISHED
    variant.is_default = was_default
    variant.published_at = timezone.now()
    variant.save(update_fields=["status", "is_default", "published_at"])
    return variant


def _same_scope(variant: SkillVariant) -> Q:
    """The versions of one (skill, provider or any provider, name)."""
    provider = (
        Q(provider_id=variant.provider_id) if variant.provider_id else Q(provider__isnull=True)
    )
    return provider & Q(skill_id=variant.skill_id, name=variant.name)


def next_version(skill: Skill, provider: Provider | None, name: str) -> int:
    latest = SkillVariant.objects.filter(skill=skill, provider=provider, name=name).aggregate(
        v=Max("version")
    )["v"]
    return (latest or 0) + 1


def versions_of(variant: SkillVariant) -> list[SkillVariant]:
    """Every version of the variant's (skill, provider, name), newest first."""
    return list(SkillVariant.objects.filter(_same_scope(variant)).order_by("-version"))


def published_of(variant: SkillVariant) -> SkillVariant | None:
    return SkillVariant.objects.filter(_same_scope(variant), status=VariantStatus.PUBLISHED).first()


def open_draft(variant: SkillVariant) -> SkillVariant | None:
    """The draft being edited among the variant's versions, if there is one."""
    drafts = SkillVariant.objects.filter(_same_scope(variant), status=VariantStatus.DRAFT)
    return drafts.order_by("-version").first()


@transaction.atomic
def create_draft(source: SkillVariant, user: Any = None) -> SkillVariant:
    """A new draft copying `source` (usually the published version), numbered after the last.

    One draft per (skill, provider, name) at a time: an existing draft is returned instead,
    so two administrators do not fork the text without knowing.
    """
    draft = open_draft(source)
    if draft is not None:
        return draft
    draft = SkillVariant(
        skill=source.skill,
        provider=source.provider,
        name=source.name,
        version=next_version(source.skill, source.provider, source.name),
        status=VariantStatus.DRAFT,
        is_default=False,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **{field: getattr(source, field) for field in EDITABLE},
    )
    draft.notes = f"Draft from v{source.version}"
    draft.full_clean()
    draft.save()
    return draft


def check_variant(variant: SkillVariant) -> dict[str, list[str]]:
    """Field errors a variant would fail at run time or in the database, in words."""
    errors: dict[str, list[str]] = {}
    for field in ("template", "system_prompt"):
        bad = [
            v.placeholder for v in variables_in(variant.skill, getattr(variant, field)) if v.error
        ]
        if bad:
            errors[field] = [
                f"{', '.join(bad)}: not an input of the skill; use one of "
                f"{', '.join('{{ ' + n + ' }}' for n in input_names(variant.skill)) or 'none'} "
                "or {{ record.field }}."
            ]
    try:
        temperature = Decimal(str(variant.temperature))
    except (InvalidOperation, ValueError):
        errors["temperature"] = ["Enter a number."]
    else:
        low, high = TEMPERATURE_RANGE
        if not low <= temperature <= high:
            errors["temperature"] = [f"The temperature must be between {low} and {high}."]
    low_tokens, high_tokens = MAX_TOKENS_RANGE
    if not isinstance(variant.max_tokens, int) or not (
        low_tokens <= variant.max_tokens <= high_tokens
    ):
        errors["max_tokens"] = [f"Max tokens must be between {low_tokens} and {high_tokens}."]
    return errors


@transaction.atomic
def update_draft(variant: SkillVariant, changes: dict[str, Any]) -> SkillVariant:
    """Save edits to a draft; ValidationError with field errors leaves the row unchanged."""
    variant = SkillVariant.objects.select_for_update().get(pk=variant.pk)
    if variant.status != VariantStatus.DRAFT:
        raise VariantStateError("Only drafts can be edited; create a new draft instead.")
    for field, value in changes.items():
        if field in EDITABLE:
            setattr(variant, field, value)
    errors = check_variant(variant)
    if errors:
        raise ValidationError(errors)
    variant.full_clean()
    variant.save()
    return variant


@dataclass(frozen=True)
class Variable:
    """One placeholder of a template: where its value comes from, or why it has none."""

    placeholder: str
    source: str  # "input", "record" or "unknown"
    error: bool  # refused at run time (an input the skill does not take)
    note: str


def record_fields(skill: Skill) -> set[str]:
    """The fields the skill's sample records carry (any record when it names no kind)."""
    records = Record.objects.all()
    if skill.record_kind:
        records = records.filter(kind=skill.record_kind)
    names = set(RECORD_ATTRIBUTES)
    for fields in records.values_list("fields", flat=True)[:RECORD_SAMPLE]:
        if isinstance(fields, dict):
            names.update(str(k) for k in fields)
    return names


def variables_in(skill: Skill, text: str) -> list[Variable]:
    """The placeholders of `text`, once each, in order, each said to be known or not."""
    inputs = input_names(skill)
    known_record: set[str] | None = None
    found: dict[str, Variable] = {}
    for match in PLACEHOLDER.finditer(text):
        name, attribute = match.group(1), match.group(2)
        shown = "{{ " + name + (f".{attribute}" if attribute else "") + " }}"
        if shown in found:
            continue
        if name == RECORD and attribute:
            if known_record is None:
                known_record = record_fields(skill)
            if attribute in known_record:
                found[shown] = Variable(shown, "record", False, "a field of the sample record")
            else:
                found[shown] = Variable(
                    shown, "unknown", False, "no sample record has this field; renders empty"
                )
        elif not attribute and name in inputs:
            required = inputs[name].get("required", True)
            note = "a required input" if required else "an optional input; empty when not given"
            found[shown] = Variable(shown, "input", False, note)
        else:
            found[shown] = Variable(
                shown, "unknown", True, "neither an input of the skill nor a record field"
            )
    return list(found.values())


def variables(variant: SkillVariant) -> list[Variable]:
    """The variables of the system prompt and the template together."""
    seen: dict[str, Variable] = {}
    for text in (variant.system_prompt, variant.template):
        for v in variables_in(variant.skill, text):
            seen.setdefault(v.placeholder, v)
    return list(seen.values())


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added", "removed"
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    old: str
    new: str
    lines: list[DiffLine]


def _lines(old: str, new: str) -> list[DiffLine]:
    a, b = old.splitlines(), new.splitlines()
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [DiffLine("same", i + 1, j1 + k + 1, a[i]) for k, i in enumerate(range(i1, i2))]
            continue
        out += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
        out += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
    return out


def diff(old: SkillVariant, new: SkillVariant) -> list[FieldDiff]:
    """What changed from `old` to `new`, field by field; empty when nothing did."""
    changed = []
    for field in EDITABLE:
        if field == "notes":
            continue
        before, after = str(getattr(old, field)), str(getattr(new, field))
        if field == "temperature":
            before, after = f"{Decimal(before):.2f}", f"{Decimal(after):.2f}"
        if before == after:
            continue
        label = LABELS[field]
        lines = _lines(before, after) if field in ("system_prompt", "template") else []
        changed.append(FieldDiff(field, label, before, after, lines))
    return changed


def dry_render(
    variant: SkillVariant, data: dict[str, Any], record: Record | None = None
) -> tuple[str, str]:
    """(system, user prompt) the variant would send for this input; nothing is sent or saved.

    Raises the same InputError / TemplateError a run would.
    """
    clean = validate_input(variant.skill, data, record)
    return render_prompt(variant.skill, variant.template, variant.system_prompt, clean, record)
