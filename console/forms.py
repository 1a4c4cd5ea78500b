"""The console's forms: the connection form (a customer-owned subclass of the admin's
write-only form), alias mapping, a model provider policy, a skill's Run form and a log's page number (a log's filters
are its app's FilterSet, shared with the API).

Validation lives in the models and the shared forms; these only narrow the choices a console
user is offered, so one rule set serves the admin, the API and the console.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField

from providers.catalog import Listing
from providers.choices import ConnectionOwner, ProviderKind
from providers.forms import (
    ConnectionAdminForm,
    secret_field_name,
    secret_form_field,
    setting_form_field,
)
from providers.models import AliasMapping, Connection, ModelAlias, Provider
from providers.rotation import COMPANION_SETTINGS
from providers.specs import SettingError, spec_for
from skills.choices import PolicyScope, SkillGroup
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
    """Map one alias to an active customer connection of the alias's provider.

    With a `listing` of what the connection offers, `model_choice` is a picker of it; `model`
    stays free text beside it (a deployment name Azure cannot list, or any model when the list
    could not be read). Either way the provider's model-name grammar checks the value.
    """

    model_choice = forms.CharField(required=False, label="Pick from the provider")

    class Meta:
        model = AliasMapping
        fields = ["connection", "model_choice", "model"]

    def __init__(
        self, *args: Any, alias: ModelAlias, listing: Listing | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.alias = alias
        self.listing = listing
        self.fields["connection"].queryset = Connection.objects.filter(
            provider_id=alias.provider_id, owner=ConnectionOwner.CUSTOMER, is_active=True
        ).order_by("name")
        self.fields["connection"].empty_label = "Choose a connection"
        self.fields["model"].required = False
        self.fields["model"].label = "or type a model / deployment"
        if listing is not None and listing.choices:
            options = [("", "—")] + [
                (c.id, f"{c.id} — {c.label}" if c.label and c.label != c.id else c.id)
                for c in listing.choices
            ]
            self.fields["model_choice"].widget = forms.Select(choices=options)
            current = self.instance.model if self.instance.pk else ""
            if current in {c.id for c in listing.choices}:
                self.initial.setdefault("model_choice", current)
                self.initial["model"] = ""
        else:
            # No list to pick from: the page shows only the free text (a POST may still
            # carry a value picked from a list shown earlier).
            self.fields["model_choice"].widget = forms.HiddenInput()
            self.fields["model"].label = "Model / deployment"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        typed = (data.get("model") or "").strip()
        picked = (data.get("model_choice") or "").strip()
        if not typed and not picked:
            self.add_error("model", "Choose a model from the list or type its name.")
        data["model"] = typed or picked
        self.instance.model = data["model"]
        return data


class RotateSecretForm(forms.Form):
    """Write-only: one input per secret of the connection's provider; nothing is pre-filled,
    and no value entered comes back in the page (not even after an error)."""

    confirm = forms.BooleanField(
        required=False,
        label="Save even though the test failed",
        help_text="The old secret is replaced although the new one did not pass the test.",
    )

    def __init__(self, *args: Any, connection: Connection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.spec = spec_for(connection.provider.kind)
        hints = connection.secret_hints or {}
        self.secret_names = list(self.spec.secrets)
        self.setting_names = list(COMPANION_SETTINGS.get(connection.provider.kind, ()))
        for name in self.setting_names:
            field = setting_form_field(name)
            field.help_text = f"Now {getattr(connection, name) or 'empty'}; blank keeps it."
            self.fields[name] = field
        for name in self.secret_names:
            field = secret_form_field(name)
            field.label = f"New {field.label}"
            stored = f"Stored: {hints[name]}." if name in hints else "Not set."
            field.help_text = f"{stored} Leave blank to keep it."
            self.fields[name] = field
        self.order_fields([*self.setting_names, *self.secret_names, "confirm"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.new_secrets: dict[str, Any] = {}
        for name in self.secret_names:
            value = data.get(name)
            if not value:
                continue
            try:
                self.new_secrets[name] = self.spec.field(name).clean(value)
            except SettingError as exc:
                self.add_error(name, exc.sentence)
        if not self.errors and not self.new_secrets:
            raise forms.ValidationError("Enter at least one new secret.")
        self.new_settings = {n: data.get(n) or "" for n in self.setting_names}
        return data


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


class ModelProviderForm(forms.Form):
    """*Manage model providers > Edit model provider*: a scope, its default model provider
    and an optional fallback. An instance change asks for the overwrite to be acknowledged
    when skill customisations are active (they are deactivated by it)."""

    scope = forms.ChoiceField(choices=PolicyScope.choices, initial=PolicyScope.INSTANCE)
    skill_group = forms.ChoiceField(choices=[("", "—"), *SkillGroup.choices], required=False)
    skill = forms.ModelChoiceField(
        queryset=Skill.objects.filter(is_active=True).order_by("name"), required=False
    )
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.order_by("name"), label="Default model provider"
    )
    fallback = forms.ModelChoiceField(
        queryset=Provider.objects.order_by("name"),
        required=False,
        label="Fallback provider",
        help_text="Used when the default provider keeps failing with retryable errors.",
    )
    overwrite = forms.BooleanField(
        required=False,
        label="Overwrite the skill customisations",
        help_text="An instance-level change deactivates every skill group and skill "
        "customisation; their skills then use the instance default.",
    )

    def __init__(self, *args: Any, customised: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customised = customised

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = data.get("scope")
        if scope == PolicyScope.SKILL and not data.get("skill"):
            self.add_error("skill", "Choose the skill to customise.")
        if scope == PolicyScope.SKILL_GROUP and not data.get("skill_group"):
            self.add_error("skill_group", "Choose the skill group to customise.")
        if data.get("fallback") and data.get("fallback") == data.get("provider"):
            self.add_error("fallback", "The fallback must be another provider.")
        if scope == PolicyScope.INSTANCE and self.customised and not data.get("overwrite"):
            self.add_error(
                "overwrite",
                f"{self.customised} skill customisation(s) are active: tick this to overwrite "
                "them, or customise a skill group or skill instead.",
            )
        return data


class SetupConnectionForm(ConnectionForm):
    """The guided set-up's connection: one provider, and only the fields of one of its
    authentication modes (`console.services.setup.SetupMode`), each with that provider's
    help from its spec (where to find the value in the provider's portal)."""

    def __init__(
        self,
        *args: Any,
        provider: Provider,
        fields: tuple[str, ...],
        fixed: tuple[tuple[str, str], ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        spec = spec_for(provider.kind)
        self.instance.provider = provider
        for name, value in fixed:
            setattr(self.instance, name, value)
        self.fields["provider"].disabled = True
        self.fields["provider"].widget = forms.HiddenInput()
        self.initial["provider"] = provider.pk
        hints = dict(self.instance.secret_hints or {}) if self.instance.pk else {}
        ordered: dict[str, forms.Field] = {"provider": self.fields["provider"]}
        ordered["name"] = self.fields["name"]
        for name in fields:
            form_name = secret_field_name(name) if name in spec.secrets else name
            field = self.fields[form_name]
            field.help_text = spec.field(name).help_text
            if name in hints:
                field.help_text = (
                    f"Stored: {hints[name]}. Leave blank to keep it. {field.help_text}"
                )
            if name in spec.required_settings:
                field.required = True
            ordered[form_name] = field
        ordered["timeout_seconds"] = self.fields["timeout_seconds"]
        self.fields = ordered

    def visible(self) -> list[BoundField]:
        return [self[n] for n in self.fields if n != "provider"]
