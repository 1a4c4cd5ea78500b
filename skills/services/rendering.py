"""Prompt rendering: `{{ name }}` and `{{ record.field }}` substitution, nothing more.

Templates are written by administrators and inputs by any operator, so neither Django's nor
Jinja's engine is used: no attribute access, no filters, no tags, no code. One regex pass
replaces placeholders with values taken only from the validated input dict and the sample
record's `fields`, `short_description` and `description`; substituted text is never scanned
again, so an input containing `{{ x }}` stays literal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from skills.models import Record, Skill
from skills.services.errors import InputError, TemplateError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*\}\}")
RECORD = "record"
RECORD_ATTRIBUTES = ("short_description", "description")
MAX_INPUT_CHARS = 100_000
SCALARS = (str, int, float, bool)


def input_names(skill: Skill) -> dict[str, dict]:
    return {f["name"]: f for f in skill.input_fields or [] if isinstance(f, dict) and "name" in f}


def validate_input(skill: Skill, data: Any, record: Record | None = None) -> dict[str, Any]:
    """Check the caller's input against the skill's declared fields; returns a clean copy.

    Runs before anything is written or sent: unknown keys, missing required fields, non-scalar
    values and oversize input are refused with one message listing every problem.
    """
    if not isinstance(data, dict):
        raise InputError("The input must be a JSON object of field name → value.")
    fields = input_names(skill)
    problems = []
    unknown = sorted(set(data) - set(fields))
    if unknown:
        allowed = ", ".join(sorted(fields)) or "none"
        problems.append(f"unknown input {', '.join(unknown)} (skill {skill.key} takes {allowed})")
    for name, spec in fields.items():
        value = data.get(name)
        if spec.get("required") and (
            value is None or (isinstance(value, str) and not value.strip())
        ):
            problems.append(f"{name} is required")
        elif value is not None and not isinstance(value, SCALARS):
            problems.append(f"{name} must be text or a number")
    if len(json.dumps(data, default=str)) > MAX_INPUT_CHARS:
        problems.append(f"the input is larger than {MAX_INPUT_CHARS} characters")
    if record is not None and skill.record_kind and record.kind != skill.record_kind:
        problems.append(
            f"record {record.number} is of kind {record.kind}; this skill reads "
            f"{skill.record_kind} records"
        )
    if problems:
        raise InputError("Invalid input: " + "; ".join(problems) + ".")
    return {k: v for k, v in data.items() if v is not None}


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _record_value(record: Record | None, attribute: str) -> str:
    if record is None:
        raise InputError(
            "This skill's prompt uses a sample record ({{ record." + attribute + " }}); "
            "choose a record to run it on."
        )
    if attribute in RECORD_ATTRIBUTES:
        return _text(getattr(record, attribute))
    fields = record.fields if isinstance(record.fields, dict) else {}
    if attribute not in fields:
        return ""
    return _text(fields[attribute])


def render(template: str, data: dict[str, Any], record: Record | None = None) -> str:
    """Substitute placeholders; an unknown placeholder is a template (configuration) error."""
    bad: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, attribute = match.group(1), match.group(2)
        if name == RECORD and attribute:
            return _record_value(record, attribute)
        if attribute:
            bad.append(match.group(0))
            return ""
        if name in data:
            return _text(data[name])
        return ""

    rendered = PLACEHOLDER.sub(replace, template)
    if bad:
        raise TemplateError(
            "The prompt template uses " + ", ".join(bad) + "; only {{ input }} and "
            "{{ record.field }} placeholders are allowed. Edit the variant on Skills."
        )
    return rendered


def check_template(skill: Skill, template: str) -> None:
    """Refuse placeholders that name no input field of the skill (used when rendering)."""
    fields = input_names(skill)
    unknown = sorted(
        {
            m.group(0)
            for m in PLACEHOLDER.finditer(template)
            if m.group(1) != RECORD and (m.group(2) or m.group(1) not in fields)
        }
    )
    if unknown:
        raise TemplateError(
            f"The prompt template of {skill.key} uses {', '.join(unknown)}, which is not an "
            "input of the skill; edit the variant on Skills."
        )


def render_prompt(
    skill: Skill, template: str, system: str, data: dict[str, Any], record: Record | None
) -> tuple[str, str]:
    """(system, user prompt) of one call."""
    check_template(skill, template)
    check_template(skill, system)
    return render(system, data, record), render(template, data, record)
