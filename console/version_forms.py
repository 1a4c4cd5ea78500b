"""*Version Management* forms: an instance-level target for one provider, and the bulk
*Update model version for skills*.

Only selectable versions are offered; the field still accepts any chat version of the
catalogue so that a deprecated or retired one posted anyway reaches the model's `clean`, which
refuses it in its own words (one rule, shared with the API and the admin).
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import IdMultipleChoiceField

# The one ids-only multiple choice: a value no id column holds is an invalid choice, not an
# overflow in the database's lookup (written for alert channels, nothing channel-specific).
from providers.choices import Capability
from providers.models import ModelVersion, Provider
from skills.models import Skill
from skills.services.versions import selectable_versions


def _label(version: ModelVersion) -> str:
    dates = f", retires {version.retires_on:%Y-%m-%d}" if version.retires_on else ""
    return f"{version.name} ({version.get_status_display().lower()}{dates})"


class VersionField(forms.ModelChoiceField):
    """A chat model version: validated against the catalogue, offered only if selectable."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=ModelVersion.objects.filter(capability=Capability.CHAT).select_related(
                "provider"
            ),
            **kwargs,
        )

    def offer(self, provider: Provider | None = None) -> None:
        """Show the selectable versions (of `provider`, else of every provider by group)."""
        versions = list(selectable_versions())
        if provider is not None:
            self.choices = [("", "—")] + [
                (v.pk, _label(v)) for v in versions if v.provider_id == provider.pk
            ]
            return
        groups: dict[str, list[tuple[int, str]]] = {}
        for v in versions:
            groups.setdefault(v.provider.name, []).append((v.pk, _label(v)))
        self.choices = [("", "—"), *groups.items()]


class InstanceTargetForm(forms.Form):
    """*Instance level configuration > Update model version* for one provider."""

    provider = forms.ModelChoiceField(queryset=Provider.objects.all(), widget=forms.HiddenInput)
    model_version = VersionField(label="Target model version")

    def __init__(self, *args: Any, provider: Provider | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer(provider)
        if provider is not None:
            self.initial.setdefault("provider", provider.pk)

    def offer(self, provider: Provider | None) -> None:
        """Offer the selectable versions of `provider` (all, grouped, when not known)."""
        field = self.fields["model_version"]
        assert isinstance(field, VersionField)
        field.offer(provider)


class SkillTargetsForm(forms.Form):
    """*Skills > Update model version for skills*: the chosen skills and one target version."""

    skills = IdMultipleChoiceField(
        queryset=Skill.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one skill."},
    )
    model_version = VersionField(label="Target model version")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["model_version"]
        assert isinstance(field, VersionField)
        field.offer()
