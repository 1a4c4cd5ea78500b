"""The console's forms: the connection form (a customer-owned subclass of the admin's
write-only form), alias mapping, a skill's Run form and a log's page number (a log's filters
are its app's FilterSet, shared with the API).

Validation lives in the models and the shared forms; these only narrow the choices a console
user is offered, so one rule set serves the admin, the API and the console.
"""

from __future__ import annotations

from typing import Any

from django import forms

from providers.choices import ConnectionOwner, ProviderKind
from providers.forms import ConnectionAdminForm
from providers.models import AliasMapping, Connection, ModelAlias, Provider
from skills.models import Skill


class ConnectionForm(ConnectionAdminForm):
    """A customer (BYOK) connection: the platform's own connections are not edited here."""

    class Meta(ConnectionAdminForm.Meta):
        fields = [f for f in ConnectionAdminForm.Meta.fields if f != "owner"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.owner = ConnectionOwner.CUSTOMER
        byok_kinds = [k for k in ProviderKind.values if k != ProviderKind.NOW_LLM]
        self.fields["provider"].queryset = Provider.objects.filter(kind__in=byok_kinds)
        if self.instance.pk:
            # A connection's provider decides its secrets and its mapped aliases: fixed.
            self.fields["provider"].disabled = True
        else:
            self.fields.pop("clear_secrets")


class AliasMappingForm(forms.ModelForm):
    """Map one alias to an active customer connection of the alias's provider."""

    class Meta:
        model = AliasMapping
        fields = ["connection", "model"]

    def __init__(self, *args: Any, alias: ModelAlias, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.alias = alias
        self.fields["connection"].queryset = Connection.objects.filter(
            provider_id=alias.provider_id, owner=ConnectionOwner.CUSTOMER, is_active=True
        ).order_by("name")
        self.fields["connection"].empty_label = "Choose a connection"
        self.fields["model"].label = "Model / deployment"


def skill_run_form(skill: Skill, data: Any = None) -> forms.Form:
    """A form with one input per entry of the skill's `input_fields` (text → textarea)."""
    fields: dict[str, forms.Field] = {}
    for spec in skill.input_fields or []:
        multiline = spec.get("type", "text") == "text"
        fields[spec["name"]] = forms.CharField(
            label=spec.get("label") or spec["name"],
            required=bool(spec.get("required", True)),
            widget=forms.Textarea(attrs={"rows": 4}) if multiline else forms.TextInput(),
        )
    form_class = type("SkillRunForm", (forms.Form,), fields)
    return form_class(data)


class PageForm(forms.Form):
    """The page number of a log the console pages by number (the generative AI log, the
    audit trail). Its filters are the API's FilterSets (`skills.filtersets`,
    `auditlog.filtersets`); the page is the console's own, the API's lists being cursors."""

    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
