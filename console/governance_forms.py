"""The Settings pages' forms: Guardian, data privacy, allowed providers and budgets.

Rules live in the models (`skills.models.governance`, `skills.models.budgets`); these forms
only offer the choices a console user picks from and turn comma-separated lists into the
lists the models hold.
"""

from __future__ import annotations

from typing import Any

from django import forms

from skills.governance.patterns import BUILTIN_PATTERNS
from skills.models import (
    Budget,
    DataPattern,
    GuardrailSetting,
    PrivacyPolicy,
    ProviderAllowance,
    Skill,
)
from skills.models.governance import MAX_LIST


class NamesField(forms.CharField):
    """A comma-separated list of names (regions, record fields) shown and kept as a list."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        names = [part.strip() for part in text.split(",") if part.strip()]
        if len(names) > MAX_LIST:
            raise forms.ValidationError(f"At most {MAX_LIST} entries.")
        return names


def _skills(form: forms.ModelForm) -> None:
    if "skill" in form.fields:
        field = form.fields["skill"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Skill.objects.order_by("name")
        field.help_text = "Only for the Skill scope."


class GuardrailForm(forms.ModelForm):
    class Meta:
        model = GuardrailSetting
        fields = ["scope", "skill", "kind", "mode", "detector"]
        labels = {"kind": "Check"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _skills(self)


class DataPatternForm(forms.ModelForm):
    class Meta:
        model = DataPattern
        fields = ["key", "label", "regex", "is_active"]
        labels = {"regex": "Regular expression"}
        help_texts = {"key": "Short name used in policies, e.g. employee_id."}


def pattern_choices() -> list[tuple[str, str]]:
    builtin = [(p.key, f"{p.label} (built-in)") for p in BUILTIN_PATTERNS.values()]
    custom = [(p.key, p.label) for p in DataPattern.objects.filter(is_active=True)]
    return builtin + custom


class PrivacyPolicyForm(forms.ModelForm):
    patterns = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    name_fields = NamesField(
        required=False,
        max_length=2000,
        help_text="Record fields holding person names, comma-separated (e.g. caller, "
        "assigned_to); those names are masked wherever they appear.",
    )

    class Meta:
        model = PrivacyPolicy
        fields = ["name", "scope", "skill", "provider", "patterns", "name_fields", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _skills(self)
        patterns = self.fields["patterns"]
        assert isinstance(patterns, forms.MultipleChoiceField)
        patterns.choices = pattern_choices()
        self.fields["provider"].empty_label = "Every provider"  # type: ignore[attr-defined]


class AllowanceForm(forms.ModelForm):
    regions = NamesField(
        required=False,
        max_length=2000,
        help_text="Bedrock regions or Vertex AI locations, comma-separated (e.g. "
        "eu-central-1, europe-west4); empty allows every region.",
    )

    class Meta:
        model = ProviderAllowance
        fields = ["scope", "skill", "provider", "regions", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _skills(self)


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = [
            "name",
            "scope",
            "provider",
            "connection",
            "skill",
            "user",
            "period",
            "metric",
            "limit",
            "soft_percent",
            "is_active",
        ]
        labels = {"soft_percent": "Alert at (% of limit)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _skills(self)
        for name in ("provider", "connection", "user"):
            self.fields[name].help_text = f"Only for the {name.capitalize()} scope."


class PatternTryForm(forms.Form):
    """The custom-pattern test box: a regular expression and a sample to run it on."""

    regex = forms.CharField(max_length=500, label="Regular expression")
    sample = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
