"""Admin form for connections: provider-specific settings and write-only secrets.

A secret input is never pre-filled and never echoed back after a validation error; it shows
only the stored secret's masked hint. Leaving it blank keeps the stored value. Validation of
the whole connection (endpoint safety, required credentials) stays in `Connection.clean()`.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core import crypto
from providers.choices import AzureApiStyle, BedrockApi, GeminiMode, ProviderKind
from providers.models import Connection
from providers.specs import ALL_SECRET_NAMES, SPECS, spec_for

SECRET_FIELD_PREFIX = "secret_"
SECRET_LABELS: dict[str, str] = {
    "api_key": "API key",
    "entra_token": "Entra ID token",
    "secret_access_key": "Secret access key",
    "session_token": "Session token",
    "bedrock_api_key": "Bedrock API key",
    "service_account_json": "Service account JSON",
}
assert set(SECRET_LABELS) == ALL_SECRET_NAMES, "every secret of providers.specs needs a label"

# Settings that belong to some provider kinds only; the others must leave them blank.
PROVIDER_SETTINGS: frozenset[str] = frozenset(s for spec in SPECS.values() for s in spec.settings)
BLANK_CHOICE = [("", "—")]


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders its value (a secret must not come back in the HTML)."""

    def format_value(self, value: Any) -> None:
        return None


def _secret_input() -> forms.CharField:
    return forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


def secret_field_name(name: str) -> str:
    return SECRET_FIELD_PREFIX + name


class ConnectionAdminForm(forms.ModelForm):
    """Connection settings plus one write-only input per secret of the provider's spec."""

    endpoint = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Overrides the provider's default host (Azure OpenAI: your resource URL).",
    )
    api_style = forms.ChoiceField(choices=BLANK_CHOICE + AzureApiStyle.choices, required=False)
    bedrock_api = forms.ChoiceField(choices=BLANK_CHOICE + BedrockApi.choices, required=False)
    mode = forms.ChoiceField(
        choices=BLANK_CHOICE + GeminiMode.choices, required=False, label="Gemini mode"
    )

    secret_api_key = _secret_input()
    secret_entra_token = _secret_input()
    secret_secret_access_key = _secret_input()
    secret_session_token = _secret_input()
    secret_bedrock_api_key = _secret_input()
    secret_service_account_json = forms.CharField(
        required=False,
        strip=True,
        widget=WriteOnlyTextarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
    clear_secrets = forms.MultipleChoiceField(
        choices=sorted(SECRET_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Remove these stored secrets.",
    )

    class Meta:
        model = Connection
        fields = [
            "provider",
            "name",
            "owner",
            "is_active",
            "description",
            "endpoint",
            "api_version",
            "api_style",
            "resource_path",
            "region",
            "access_key_id",
            "role_arn",
            "bedrock_api",
            "mode",
            "project",
            "location",
            "header_name",
            "timeout_seconds",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hints = dict(self.instance.secret_hints or {}) if self.instance.pk else {}
        for name, label in SECRET_LABELS.items():
            field = self.fields.get(secret_field_name(name))
            if field is None:
                continue
            field.label = label
            kinds = ", ".join(
                ProviderKind(k).label for k, spec in SPECS.items() if name in spec.secrets
            )
            stored = f"Stored: {hints[name]}. Leave blank to keep it." if name in hints else ""
            field.help_text = f"{stored} Used by: {kinds}.".strip()
        sa = self.fields.get(secret_field_name("service_account_json"))
        if sa is not None:
            sa.help_text += " Paste the key file's JSON (it must hold a private_key)."

    # -- validation ------------------------------------------------------------------------
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        provider = cleaned.get("provider")
        if provider is None:
            return cleaned
        spec = spec_for(provider.kind)
        for name in sorted(PROVIDER_SETTINGS - set(spec.settings)):
            if name in self.fields and cleaned.get(name):
                self.add_error(name, f"This setting does not apply to {provider.name}.")
        values: dict[str, Any] = {}
        for name in sorted(ALL_SECRET_NAMES):
            value = cleaned.get(secret_field_name(name))
            if not value:
                continue
            if name not in spec.secrets:
                self.add_error(
                    secret_field_name(name), f"{provider.name} takes no {SECRET_LABELS[name]}."
                )
                continue
            values[name] = value
        if "service_account_json" in values:
            try:
                values["service_account_json"] = parse_service_account(
                    values["service_account_json"]
                )
            except ValidationError as exc:
                self.add_error(secret_field_name("service_account_json"), exc)
                del values["service_account_json"]
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
            for field, messages in errors.error_dict.items():
                key = field if field in self.fields else NON_FIELD_ERRORS
                moved.setdefault(key, []).extend(messages)
            errors = ValidationError(moved)
        super()._update_errors(errors)


def parse_service_account(text: str) -> dict[str, Any]:
    """A Google service-account key file: a JSON object holding a private_key.

    The error messages never quote the input, which is a secret.
    """
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError(
            "This is not valid JSON; paste the whole service-account key file."
        ) from None
    if not isinstance(data, dict):
        raise ValidationError("The service-account key must be a JSON object.")
    if not data.get("private_key"):
        raise ValidationError("The service-account key has no private_key.")
    if not data.get("client_email"):
        raise ValidationError("The service-account key has no client_email.")
    return data
