"""Admin form for connections: one field per setting and secret of the provider specs.

Every setting and secret field is built from `providers.specs` (label, help, length, choices,
widget), and so is the grouping of fields into sections, so a setting added to a spec shows up
here, in the console's form and in the admin's fieldsets without touching this module.

A secret input is never pre-filled and never echoed back after a validation error; it shows
only the stored secret's masked hint. Leaving it blank keeps the stored value. Validation of
the whole connection (endpoint safety, grammar, required credentials) stays in
`Connection.clean()`, which reports each problem on its field here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BoundField
from django.forms.models import ModelFormMetaclass

from core import crypto
from providers.choices import ProviderKind
from providers.models import Connection
from providers.specs import (
    SECRET_NAMES,
    SETTING_NAMES,
    SPECS,
    SettingError,
    help_of,
    label_of,
    spec_for,
    variants,
)

SECRET_FIELD_PREFIX = "secret_"
BLANK_CHOICE = [("", "—")]
CONNECTION_FIELDS = ["provider", "name", "owner", "is_active", "description"]


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders its value (a secret must not come back in the HTML)."""

    def format_value(self, value: Any) -> None:
        return None


def secret_field_name(name: str) -> str:
    return SECRET_FIELD_PREFIX + name


def setting_form_field(name: str) -> forms.Field:
    """The form field of one setting; blank is allowed, the provider's spec decides the rest."""
    spec = variants(name)[0][1]
    common: dict[str, Any] = {"required": False, "label": spec.label, "help_text": help_of(name)}
    if spec.choices:
        return forms.ChoiceField(choices=BLANK_CHOICE + list(spec.choices), **common)
    if spec.input == "url":
        return forms.URLField(max_length=spec.max_length, assume_scheme="https", **common)
    return forms.CharField(max_length=spec.max_length, **common)


def secret_form_field(name: str) -> forms.Field:
    """A write-only input; `ConnectionAdminForm` adds the stored secret's hint to its help."""
    widget: forms.Widget
    if variants(name)[0][1].input == "json":
        attrs = {"rows": 6, "autocomplete": "off", "spellcheck": "false"}
        widget = WriteOnlyTextarea(attrs=attrs)
    else:
        widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    return forms.CharField(
        required=False,
        strip=True,
        label=label_of(name),
        help_text=help_of(name, name_providers=True),
        widget=widget,
    )


@dataclass
class Section:
    """A group of fields shown together: the general ones, one provider's, or credentials."""

    title: str
    names: list[str]
    description: str = ""


# Settings every provider has (the endpoint) belong with the connection's general fields.
COMMON_SETTINGS = [n for n in SETTING_NAMES if all(n in s.settings for s in SPECS.values())]


def setting_sections() -> list[Section]:
    """One section per provider, holding the settings no earlier section holds.

    A provider whose settings are all in an earlier section joins that section's title (the
    platform and generic OpenAI-compatible LLMs); one that shares some says so.
    """
    sections: list[Section] = []
    placed = set(COMMON_SETTINGS)
    for spec in SPECS.values():
        label = ProviderKind(spec.kind).label
        own = [n for n in spec.settings if n not in placed]
        shared = [n for n in spec.settings if n in placed and n not in COMMON_SETTINGS]
        if not own:
            host = next((s for s in sections if shared and set(shared) <= set(s.names)), None)
            if host is not None:
                host.title = f"{host.title} / {label}"
            continue
        described = ", ".join(label_of(n) for n in shared)
        description = f"{label} also uses {described} (above)." if shared else ""
        sections.append(Section(label, own, description))
        placed.update(own)
    return sections


SECRET_FIELDS = [secret_field_name(n) for n in SECRET_NAMES]


def _spec_fields_form() -> type[forms.ModelForm]:
    """A form base declaring the spec's setting and secret fields.

    Declared on a class (not added in `__init__`) because the admin builds its form class from
    the fieldsets' names, and refuses a name that is neither a model field nor declared.
    """
    attrs: dict[str, Any] = {name: setting_form_field(name) for name in SETTING_NAMES}
    attrs.update({secret_field_name(n): secret_form_field(n) for n in SECRET_NAMES})
    attrs["__module__"] = __name__
    return cast(
        "type[forms.ModelForm]", ModelFormMetaclass("SpecFieldsForm", (forms.ModelForm,), attrs)
    )


if TYPE_CHECKING:
    SpecFieldsForm = forms.ModelForm
else:
    SpecFieldsForm = _spec_fields_form()


class ConnectionAdminForm(SpecFieldsForm):
    """Connection settings plus one write-only input per secret of the provider's spec."""

    clear_secrets = forms.MultipleChoiceField(
        choices=sorted((n, label_of(n)) for n in SECRET_NAMES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Remove these stored secrets.",
    )

    class Meta:
        model = Connection
        fields = [*CONNECTION_FIELDS, *SETTING_NAMES, "timeout_seconds"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hints = dict(self.instance.secret_hints or {}) if self.instance.pk else {}
        for name in SECRET_NAMES:
            secret_field = self.fields.get(secret_field_name(name))
            if secret_field is not None and name in hints:
                stored = f"Stored: {hints[name]}. Leave blank to keep it."
                secret_field.help_text = f"{stored} {secret_field.help_text}".strip()

    def sections(self) -> list[tuple[str, str, list[BoundField]]]:
        """(title, description, fields) shown together by the console's connection page."""
        groups = [("", "", [*CONNECTION_FIELDS, *COMMON_SETTINGS])]
        groups += [(s.title, s.description, s.names) for s in setting_sections()]
        groups += [
            ("Credentials (write-only)", "", [*SECRET_FIELDS, "clear_secrets"]),
            ("Health checks", "", ["timeout_seconds"]),
        ]
        bound = [(t, d, [self[n] for n in names if n in self.fields]) for t, d, names in groups]
        return [(t, d, fields) for t, d, fields in bound if fields]

    # -- validation ------------------------------------------------------------------------
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        provider = cleaned.get("provider")
        if provider is None:
            return cleaned
        spec = spec_for(provider.kind)
        values: dict[str, Any] = {}
        for name in SECRET_NAMES:
            field_name = secret_field_name(name)
            value = cleaned.get(field_name)
            if not value:
                continue
            if name not in spec.secrets:
                self.add_error(field_name, f"{provider.name} takes no {label_of(name)}.")
                continue
            try:
                values[name] = spec.field(name).clean(value)
            except SettingError as exc:
                self.add_error(field_name, exc.sentence)
        self._apply_secrets(values, cleaned.get("clear_secrets") or [])
        return cleaned

    def _apply_secrets(self, values: dict[str, Any], clear: list[str]) -> None:
        """Put the new secrets on the instance before model validation checks credentials."""
        try:
            for name in clear:
                self.instance.clear_secret(name)
            if values:
                self.instance.set_secrets(values)
        except crypto.SecretDecryptionError:
            if not values:
                self.add_error(
                    "clear_secrets",
                    "The stored secrets cannot be decrypted with the configured keys; "
                    "enter the secrets again instead.",
                )
                return
            # The stored secrets are unreadable anyway: the ones entered now replace them.
            self.instance.set_secrets(values, replace=True)

    def _update_errors(self, errors: ValidationError) -> None:
        # Connection.clean() reports missing credentials on `secrets`, which is no form
        # field here: show it above the form instead of failing.
        if hasattr(errors, "error_dict"):
            moved: dict[str, list[Any]] = {}
            for name, messages in errors.error_dict.items():
                key = name if name in self.fields else NON_FIELD_ERRORS
                moved.setdefault(key, []).extend(messages)
            errors = ValidationError(moved)
        # A private hook of ModelForm (where model errors meet form fields), absent from stubs.
        super()._update_errors(errors)  # type: ignore[misc]
