"""The provider specs: every field of every spec says what it is and where to find it, and
each value that becomes part of a host name or URL path follows its provider's grammar.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.models import Connection
from providers.specs import SPECS, SettingError, SettingSpec, column_length, variants
from tests.providers.spec_cases import BAD, EXAMPLES, EXTRA_HOSTS, GOOD

FIELDS = [(spec.kind, f) for spec in SPECS.values() for f in spec.fields]
IDS = [f"{kind}.{f.name}" for kind, f in FIELDS]


@pytest.fixture
def hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINT_HOSTS = EXTRA_HOSTS


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
