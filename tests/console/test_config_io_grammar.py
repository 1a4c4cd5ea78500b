"""byok_import: a host or path value outside its provider's grammar is one message with its
JSON path, and the document is refused whole."""

from __future__ import annotations

from typing import Any

import pytest

from console.services.config_io import ConfigDocumentError, import_document, validate_document
from providers.models import Connection
from tests.console.test_config_io import catalogue, example  # noqa: F401  (fixture)
from tests.providers.spec_cases import BAD, EXTRA_HOSTS, GOOD, with_value

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


def _document(item: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "connections": [item]}


@pytest.mark.parametrize(("kind", "name", "value", "fragment"), BAD)
def test_it_reports_one_line_with_the_json_path(
    kind: str, name: str, value: str, fragment: str
) -> None:
    errors = validate_document(_document(with_value(kind, name, value)))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"connections[0].{name}: ")
    assert fragment in errors[0]
    with pytest.raises(ConfigDocumentError):
        import_document(_document(with_value(kind, name, value)))
    assert not Connection.objects.exists()


@pytest.mark.parametrize(("kind", "name", "value"), GOOD)
def test_it_imports_a_value_of_the_providers_grammar(kind: str, name: str, value: str) -> None:
    item = with_value(kind, name, value)
    import_document(_document(item))
    assert getattr(Connection.objects.get(name=item["name"]), name) == value


def test_it_refuses_a_bad_value_in_one_part_and_writes_no_other_part() -> None:
    doc = example()
    doc["connections"][1]["region"] = "us-east-1.evil.example"
    doc["connections"][2]["location"] = "us-central1/../x"
    errors = validate_document(doc)
    assert errors == [
        "connections[1].region: must be an AWS Region code such as us-east-1",
        "connections[2].location: must be a Vertex AI location such as us-central1, "
        "europe-west4 or global",
    ]
    with pytest.raises(ConfigDocumentError):
        import_document(doc)
    assert not Connection.objects.exists()


def test_it_does_not_also_call_an_invalid_required_setting_missing() -> None:
    errors = validate_document(_document(with_value("azure_openai", "endpoint", "ftp://x")))
    assert errors == ["connections[0].endpoint: Enter a full URL such as https://host.example.com."]
