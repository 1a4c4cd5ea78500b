"""byok_export's service: the same document back, round-trippable, never a secret."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console.services.config_io import export_document, import_document
from providers.choices import IntegrationMode
from providers.models import AliasMapping, Connection, Provider
from sandbox.demo import seed_demo
from skills.models import ModelProviderPolicy, VersionOverride
from tests.console.test_config_io import catalogue, example  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


SA_SECRET_KEYS = ("private_key", "private_key_id")


def _secret_strings(secrets: dict[str, Any]) -> list[str]:
    """Each stored secret, plus the secret parts of a service-account JSON."""
    found = []
    for value in secrets.values():
        found.append(value)
        parsed = json.loads(value) if value.startswith("{") else {}
        found += [parsed[k] for k in SA_SECRET_KEYS if k in parsed]
    return found


def test_it_exports_the_imported_document_without_credentials() -> None:
    import_document(example())
    doc = export_document()
    azure = next(c for c in doc["connections"] if c["name"] == "contoso-azure")
    assert azure == {
        "name": "contoso-azure",
        "provider": "azure_openai",
        "endpoint": "https://contoso.openai.azure.com",
        "api_version": "2024-10-21",
        "credentials_set": ["api_key"],
    }
    bedrock = next(c for c in doc["connections"] if c["name"] == "contoso-bedrock")
    assert bedrock["access_key_id"] == "AKIAEXAMPLE0001"
    assert bedrock["credentials_set"] == ["secret_access_key"]
    assert all("credentials" not in c for c in doc["connections"])
    assert doc["alias_mappings"] == example()["alias_mappings"]
    assert doc["model_providers"] == example()["model_providers"]
    assert doc["version_overrides"] == example()["version_overrides"]
    assert doc["integrations"]["azure_openai"] == "byok"


def test_it_never_exports_a_secret_or_its_hint() -> None:
    seed_demo("http://127.0.0.1:8900")
    import_document(example())
    text = json.dumps(export_document(), ensure_ascii=False)
    connections = list(Connection.objects.all())
    assert len(connections) == 9
    for conn in connections:
        for secret in _secret_strings(conn.secrets):
            assert secret not in text, conn.name
        for hint in conn.secret_hints.values():
            assert hint not in text, conn.name
    assert "••••" not in text
    assert "PRIVATE KEY" not in text


def test_it_round_trips_through_an_empty_configuration() -> None:
    seed_demo("http://127.0.0.1:8900")
    import_document(example())
    first = export_document()
    credentials = {c.name: dict(c.secrets) for c in Connection.objects.all()}

    AliasMapping.objects.all().delete()
    VersionOverride.objects.all().delete()
    ModelProviderPolicy.objects.exclude(scope="instance").delete()
    Connection.objects.all().delete()
    Provider.objects.exclude(kind="generic_llm").update(integration_mode=IntegrationMode.OEM)
    assert export_document() != first

    again = json.loads(json.dumps(first))  # as read from the file
    for item in again["connections"]:
        item["credentials"] = {k: v for k, v in credentials[item["name"]].items()}
    import_document(again)

    assert export_document() == first
