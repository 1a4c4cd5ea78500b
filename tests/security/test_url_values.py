"""Every value that becomes part of a provider URL is held to its provider's grammar where it
is entered. Connection settings (region, location, resource, project, API version, endpoint)
are covered in tests/providers/spec_cases.py; this covers the model and deployment names that
alias mappings and the version catalogue paste into request paths."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from console.services.config_io import ConfigDocumentError, export_document, import_document
from providers.models import AliasMapping, ModelVersion, Provider

pytestmark = pytest.mark.django_db

TRAVERSALS = [
    "gpt4o/../../admin",
    "gpt4o?api-version=x",
    "gpt4o#x",
    "gpt 4o",
    "../x",
    "%2e%2e",
    "gpt4o\r\nHost: evil",
    "",
    "a" * 300,
]


@pytest.mark.parametrize("model", TRAVERSALS)
def test_the_api_refuses_a_mapping_whose_model_leaves_its_path(demo, client_for, model) -> None:
    before = list(AliasMapping.objects.values_list("pk", "model", "is_active"))
    response = client_for("admin_user").post(
        "/api/v1/alias-mappings/",
        {"alias": "gpt_large", "connection": "contoso-azure", "model": model},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "model" in response.json()
    assert list(AliasMapping.objects.values_list("pk", "model", "is_active")) == before


@pytest.mark.parametrize(
    ("alias", "connection", "model"),
    [
        ("gpt_large", "contoso-azure", "gpt-4o-2024-08-06"),
        ("claude_large", "contoso-bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0"),
        ("gemini_large", "contoso-gemini", "gemini-2.5-pro"),
    ],
)
def test_it_takes_each_providers_real_model_names(
    demo, client_for, alias, connection, model
) -> None:
    response = client_for("admin_user").post(
        "/api/v1/alias-mappings/",
        {"alias": alias, "connection": connection, "model": model},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_import_refuses_it_with_its_path(demo) -> None:
    doc = export_document()
    for item in doc["connections"]:
        item.pop("credentials_set", None)
    doc["alias_mappings"][0]["model"] = "x/../../y"
    with pytest.raises(ConfigDocumentError) as caught:
        import_document(doc)
    assert any(e.startswith("alias_mappings[0]") for e in caught.value.errors), caught.value.errors


def test_the_catalogue_refuses_a_version_name_that_leaves_its_path(demo) -> None:
    version = ModelVersion(
        provider=Provider.objects.get(kind="google_gemini"), name="gemini?key=x", label="x"
    )
    with pytest.raises(ValidationError) as caught:
        version.full_clean()
    assert "name" in caught.value.message_dict


def test_every_seeded_version_and_mapping_passes_its_grammar(demo) -> None:
    for version in ModelVersion.objects.select_related("provider"):
        version.clean()
    for mapping in AliasMapping.objects.select_related("connection__provider", "alias"):
        mapping.clean()
