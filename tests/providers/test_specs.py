"""The provider specs drive every door: each field of each spec is known to the model, the
admin and console forms, the REST serializer and the configuration import, with the spec's
label, help, length and grammar.

Parametrized over every field of every spec, so a setting added to `providers.specs` (with
its example in `spec_cases.EXAMPLES`) is checked through every door without a new test.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.contrib.admin.utils import flatten_fieldsets

from console.forms import ConnectionForm
from console.services.config_io import validate_document
from providers.admin import ConnectionAdmin
from providers.api.serializers import ConnectionSerializer
from providers.choices import IntegrationMode, ProviderKind
from providers.forms import ConnectionAdminForm, secret_field_name
from providers.models import Connection, Provider
from providers.specs import SPECS, SettingError, SettingSpec, column_length, variants
from tests.providers.spec_cases import (
    BAD,
    EXAMPLES,
    EXTRA_HOSTS,
    GOOD,
    base_item,
    form_data,
    with_value,
)

FIELDS = [(spec.kind, f) for spec in SPECS.values() for f in spec.fields]
IDS = [f"{kind}.{f.name}" for kind, f in FIELDS]


@pytest.fixture
def hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


@pytest.fixture
def providers(db: None) -> dict[str, Provider]:
    def mode(kind: str) -> str:
        return IntegrationMode.BYOK if kind == ProviderKind.GENERIC_LLM else IntegrationMode.OEM

    return {
        kind: Provider.objects.create(
            kind=kind, name=ProviderKind(kind).label, integration_mode=mode(kind)
        )
        for kind in ProviderKind.values
    }


def _form_name(field: SettingSpec) -> str:
    return secret_field_name(field.name) if field.secret else field.name


# -- the registry ------------------------------------------------------------------------------


def test_every_field_has_an_example() -> None:
    assert set(EXAMPLES) == {(kind, f.name) for kind, f in FIELDS}


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=IDS)
def test_every_field_says_what_it_is_and_where_to_find_it(kind: str, field: SettingSpec) -> None:
    assert field.label
    assert len(field.help_text) > 20
    # One form field and one column serve each name: every provider's version must agree.
    first = variants(field.name)[0][1]
    shape = ("label", "max_length", "choices", "secret", "input", "in_credentials")
    assert {a: getattr(field, a) for a in shape} == {a: getattr(first, a) for a in shape}


@pytest.mark.parametrize(
    ("kind", "field"),
    [(k, f) for k, f in FIELDS if not f.secret],
    ids=[i for i, (_, f) in zip(IDS, FIELDS, strict=True) if not f.secret],
)
def test_every_setting_has_a_column_as_long_as_its_spec(kind: str, field: SettingSpec) -> None:
    column = Connection._meta.get_field(field.name)
    assert column.max_length == column_length(field.name) == field.max_length


@pytest.mark.parametrize(("kind", "name", "value"), GOOD)
def test_the_grammar_accepts_real_values(hosts: None, kind: str, name: str, value: str) -> None:
    assert SPECS[kind].field(name).clean(value) == value


@pytest.mark.parametrize(("kind", "name", "value", "fragment"), BAD)
def test_the_grammar_refuses_what_would_leave_the_host_or_path(
    hosts: None, kind: str, name: str, value: str, fragment: str
) -> None:
    with pytest.raises(SettingError) as info:
        SPECS[kind].field(name).clean(value)
    assert fragment in info.value.phrase
    assert fragment in info.value.sentence


# -- each door knows each field ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=IDS)
def test_the_admin_and_console_forms_show_every_field(kind: str, field: SettingSpec) -> None:
    for form_class in (ConnectionAdminForm, ConnectionForm):
        form_field = form_class.base_fields[_form_name(field)]
        assert form_field.label == field.label
        assert field.help_text in str(form_field.help_text)
        if field.choices:
            assert [v for v, _ in field.choices] == [v for v, _ in form_field.choices][1:]
        elif not field.secret:
            assert form_field.max_length == field.max_length
    assert _form_name(field) in flatten_fieldsets(ConnectionAdmin.fieldsets)


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=IDS)
def test_the_serializer_takes_every_field(kind: str, field: SettingSpec) -> None:
    fields = ConnectionSerializer().fields
    if field.secret:
        assert field.name in fields["clear_credentials"].child.choices
        return
    api_field = fields[field.name]
    assert api_field.max_length == field.max_length
    assert field.help_text in str(api_field.help_text)


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=IDS)
def test_every_door_accepts_the_example(
    hosts: None, providers: dict[str, Provider], kind: str, field: SettingSpec
) -> None:
    item = with_value(kind, field.name, EXAMPLES[(kind, field.name)])
    assert validate_document({"version": 1, "connections": [item]}) == []
    serializer = ConnectionSerializer(data=item)
    assert serializer.is_valid(), serializer.errors
    form = ConnectionAdminForm(data=form_data(item, providers[kind].pk))
    assert form.is_valid(), form.errors.as_json()
    assert getattr(form.save(), field.name, None) or field.name in form.instance.secret_names


@pytest.mark.parametrize(("kind", "field"), FIELDS, ids=IDS)
def test_every_door_refuses_a_wrong_value(
    hosts: None, providers: dict[str, Provider], kind: str, field: SettingSpec
) -> None:
    """Too long for a setting, not text for a secret: each door answers on the field."""
    wrong: Any = 12345 if field.secret else "x" * ((field.max_length or 0) + 1)
    item = with_value(kind, field.name, wrong)
    path = f"connections[0].{'credentials.' if field.secret else ''}{field.name}: "
    errors = validate_document({"version": 1, "connections": [item]})
    assert [e for e in errors if e.startswith(path)], errors
    serializer = ConnectionSerializer(data=item)
    assert not serializer.is_valid()
    if field.secret:
        assert field.name in serializer.errors["credentials"][0]
    else:
        assert field.name in serializer.errors
        form = ConnectionAdminForm(data=form_data(item, providers[kind].pk))
        assert not form.is_valid()
        assert field.name in form.errors


def _foreign(name: str) -> str | None:
    return next((k for k, s in SPECS.items() if name not in s.settings + s.secrets), None)


FOREIGN = [(k, f) for k, f in FIELDS if _foreign(f.name)]  # not the endpoint: all have one


@pytest.mark.parametrize(("kind", "field"), FOREIGN, ids=[f"{k}.{f.name}" for k, f in FOREIGN])
def test_every_door_refuses_a_field_of_another_provider(
    hosts: None, providers: dict[str, Provider], kind: str, field: SettingSpec
) -> None:
    other = _foreign(field.name)
    assert other is not None
    item = base_item(other)
    if field.secret:
        item["credentials"][field.name] = EXAMPLES[(kind, field.name)]
    else:
        item[field.name] = EXAMPLES[(kind, field.name)]
    errors = validate_document({"version": 1, "connections": [item]})
    assert any(f".{field.name}: unknown" in e for e in errors), errors
    assert not ConnectionSerializer(data=item).is_valid()
    form = ConnectionAdminForm(data=form_data(item, providers[other].pk))
    assert not form.is_valid()
    assert _form_name(field) in form.errors


def test_a_setting_added_to_a_spec_is_validated_by_every_door(
    hosts: None, providers: dict[str, Provider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Give the generic LLM an API version in its spec only: every door takes it, by its
    grammar, without any other change (its column and form field exist for Azure already)."""
    generic = SPECS[ProviderKind.GENERIC_LLM]
    api_version = SPECS[ProviderKind.GOOGLE_GEMINI].field("api_version")
    monkeypatch.setitem(
        SPECS, generic.kind, dataclasses.replace(generic, fields=(*generic.fields, api_version))
    )
    good, bad = (
        with_value(generic.kind, "api_version", "v1"),
        with_value(generic.kind, "api_version", "v1/../x"),
    )
    assert validate_document({"version": 1, "connections": [good]}) == []
    assert validate_document({"version": 1, "connections": [bad]}) == [
        "connections[0].api_version: must be an API version such as v1 or v1beta"
    ]
    assert ConnectionSerializer(data=good).is_valid()
    serializer = ConnectionSerializer(data=bad)
    assert not serializer.is_valid()
    assert "v1 or v1beta" in serializer.errors["api_version"][0]
    assert ConnectionAdminForm(data=form_data(good, providers[generic.kind].pk)).is_valid()
    form = ConnectionAdminForm(data=form_data(bad, providers[generic.kind].pk))
    assert not form.is_valid()
    assert "v1 or v1beta" in form.errors["api_version"][0]
