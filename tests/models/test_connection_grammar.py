"""The model refuses a connection whose host or path values break its provider's grammar,
whichever door (or none, for code calling full_clean) writes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from providers.choices import IntegrationMode, ProviderKind
from providers.models import Connection, Provider
from providers.specs import SPECS
from tests.providers.spec_cases import BAD, EXAMPLES, EXTRA_HOSTS, GOOD, base_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


def _connection(kind: str, **settings: str) -> Connection:
    mode = IntegrationMode.BYOK if kind == ProviderKind.GENERIC_LLM else IntegrationMode.OEM
    provider = Provider.objects.create(
        kind=kind, name=ProviderKind(kind).label, integration_mode=mode
    )
    item = base_item(kind)
    spec = SPECS[kind]
    values = {n: v for n, v in item.items() if n in spec.settings}
    values |= {n: v for n, v in item["credentials"].items() if n in spec.settings}
    conn = Connection(provider=provider, name=item["name"], owner=item.get("owner", "customer"))
    for name, value in {**values, **settings}.items():
        setattr(conn, name, value)
    conn.set_secrets({n: v for n, v in item["credentials"].items() if n in spec.secrets})
    return conn


@pytest.mark.parametrize(("kind", "name", "value", "fragment"), BAD)
def test_it_refuses_a_value_outside_the_providers_grammar(
    kind: str, name: str, value: str, fragment: str
) -> None:
    conn = _connection(kind, **{name: value})
    with pytest.raises(ValidationError) as info:
        conn.full_clean()
    assert list(info.value.message_dict) == [name]
    assert fragment in info.value.message_dict[name][0]


@pytest.mark.parametrize(("kind", "name", "value"), GOOD)
def test_it_accepts_a_value_of_the_providers_grammar(kind: str, name: str, value: str) -> None:
    _connection(kind, **{name: value}).full_clean()


def test_it_refuses_a_setting_of_another_provider() -> None:
    conn = _connection("azure_openai", region=EXAMPLES[("aws_bedrock", "region")])
    with pytest.raises(ValidationError) as info:
        conn.full_clean()
    assert info.value.message_dict == {"region": ["This setting does not apply to Azure OpenAI."]}
