"""The shape of a provider spec: a `ConnectionSpec` made of `SettingSpec`s.

Kept apart from the registry of specs (`providers.specs`) so that one reads as the list of
what each provider takes, and this one as the rules every door applies to any of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from providers import grammar
from providers.grammar import SettingError, Validator


@dataclass(frozen=True)
class SettingSpec:
    """One setting or secret of a connection: how it is shown, explained and checked."""

    name: str
    label: str
    help_text: str = ""
    max_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    # Raises SettingError; may return a normalised value (an endpoint without its last "/").
    validator: Validator | None = None
    secret: bool = False
    input: str = "text"  # what a form shows: text, url, or json (a multi-line secret)
    # A setting that may also come among the credentials (the AWS access key id, which
    # travels with its secret key in the configuration document).
    in_credentials: bool = False

    def but(self, **changes: Any) -> SettingSpec:
        """The same setting as another provider knows it (its own help or grammar)."""
        return replace(self, **changes)

    def check(self, value: str) -> Any:
        """Choices and grammar of a non-blank value; its type and length are the field's."""
        values = [v for v, _ in self.choices]
        if values and value not in values:
            raise SettingError(f"must be one of {', '.join(values)}")
        return self.validator(value) if self.validator else value

    def clean(self, value: Any) -> Any:
        """Check a value from outside (a document, the API): type, length, then `check`."""
        if self.secret:
            validate = self.validator or grammar.secret_text
            return validate(value)
        if not isinstance(value, str):
            raise SettingError("must be a string")
        if self.max_length and len(value) > self.max_length:
            raise SettingError(f"must be at most {self.max_length} characters")
        value = value.strip()
        return self.check(value) if value else ""

    def clean_given(self, value: Any) -> Any:
        """`clean`, for a value that was given explicitly and so may not be blank."""
        if not isinstance(value, str) or not value.strip():
            raise SettingError("must be a non-empty string")
        return self.clean(value)


@dataclass(frozen=True)
class Requirement:
    """Settings needed only when another setting has one value (Vertex AI: project, location)."""

    setting: str
    value: str
    requires: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class ConnectionSpec:
    kind: str
    fields: tuple[SettingSpec, ...]
    # Each tuple is one way to authenticate: every name in it must be present.
    auth_options: tuple[tuple[str, ...], ...]
    required_settings: tuple[str, ...] = ()
    required_when: tuple[Requirement, ...] = ()
    default_host: str = ""
    oem: bool = True
    byok: bool = True

    @property
    def settings(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.secret)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.secret)

    def field(self, name: str) -> SettingSpec:
        return next(f for f in self.fields if f.name == name)

    def auth_satisfied(self, present: set[str]) -> bool:
        return any(set(option) <= present for option in self.auth_options)

    def auth_description(self) -> str:
        return " or ".join(" + ".join(option) for option in self.auth_options)

    def missing_settings(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(name, why) of each required setting left blank; `why` names the mode, or is ""."""
        missing = [(name, "") for name in self.required_settings if not values.get(name)]
        for rule in self.required_when:
            if values.get(rule.setting) == rule.value:
                missing += [(n, rule.label) for n in rule.requires if not values.get(n)]
        return missing

    def setting_errors(self, values: Mapping[str, Any], provider_name: str) -> dict[str, list[str]]:
        """Field errors of the non-blank settings in `values` (any provider's setting names).

        Used by the model's `clean()` and the serializer, whose fields already check each
        value's type and length; so a value of the wrong type or length is left to them.
        """
        errors: dict[str, list[str]] = {}
        for name, value in values.items():
            if not value or not isinstance(value, str):
                continue
            if name not in self.settings:
                errors[name] = [f"This setting does not apply to {provider_name}."]
                continue
            spec = self.field(name)
            if spec.max_length and len(value) > spec.max_length:
                continue
            try:
                spec.check(value)
            except SettingError as exc:
                errors[name] = [exc.sentence]
        return errors
