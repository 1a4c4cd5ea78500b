"""The Prompts page's forms: a draft's fields, where a draft starts from, and Try it.

They only parse; the rules a variant must keep (placeholders the skill knows, temperature
and max tokens in range) are `skills.services.variants.check_variant`'s, shared with the API.
"""

from __future__ import annotations

from typing import Any

from django import forms

from console.forms import skill_run_form
from skills.choices import ResponseFormat
from skills.models import Record, Skill, SkillVariant


class DraftForm(forms.Form):
    """The editable fields of a draft."""

    system_prompt = forms.CharField(
        required=False,
        label="System instructions",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    template = forms.CharField(
        label="Prompt template",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="{{ input }} for an input of the skill, {{ record.field }} for a field of "
        "the sample record.",
    )
    temperature = forms.DecimalField(
        max_digits=3, decimal_places=2, help_text="0 (focused) to 2 (varied)."
    )
    max_tokens = forms.IntegerField(label="Max tokens", help_text="1 to 200000.")
    response_format = forms.ChoiceField(choices=ResponseFormat.choices)
    notes = forms.CharField(required=False, max_length=255)


class NewDraftForm(forms.Form):
    """Which version of this skill a new draft copies."""

    source = forms.ModelChoiceField(queryset=SkillVariant.objects.none())

    def __init__(self, skill: Skill, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = SkillVariant.objects.filter(skill=skill)  # type: ignore[attr-defined]


def try_form(skill: Skill, data: Any = None) -> forms.Form:
    """The skill's inputs (as on its Run form), every one optional, and a sample record."""
    form = skill_run_form(skill, data)
    for field in form.fields.values():
        field.required = False
    records = Record.objects.order_by("number")
    if skill.record_kind:
        records = records.filter(kind=skill.record_kind)
    form.fields["record"] = forms.ModelChoiceField(
        queryset=records,
        required=False,
        label="Sample record",
        empty_label="No record",
        help_text="Fills {{ record.field }} placeholders.",
    )
    return form
