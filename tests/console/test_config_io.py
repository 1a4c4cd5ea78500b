"""byok_import's service: whole-document validation with JSON paths, all-or-nothing upserts."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from auditlog.models import AuditEvent
from console.services.catalog import seed_catalog
from console.services.config_io import ConfigDocumentError, import_document, validate_document
from providers.models import AliasMapping, Connection, Provider
from skills.models import ModelProviderPolicy, VersionOverride

pytestmark = pytest.mark.django_db

AZURE_KEY = "sk-azure-import-secret-0001"
AWS_SECRET = "aws-import-secret-access-key-0001"
GEMINI_KEY = "gemini-import-api-key-0001"
SA_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nnot-a-real-key-0001\n-----END PRIVATE KEY-----\n"


def example() -> dict[str, Any]:
    """The document of DESIGN.md's public contract, with values filled in."""
    return copy.deepcopy(
        {
            "version": 1,
            "integrations": {"azure_openai": "byok", "aws_bedrock": "byok", "google_gemini": "oem"},
            "connections": [
                {
                    "name": "contoso-azure",
                    "provider": "azure_openai",
                    "endpoint": "https://contoso.openai.azure.com",
                    "api_version": "2024-10-21",
                    "credentials": {"api_key": AZURE_KEY},
                },
                {
                    "name": "contoso-bedrock",
                    "provider": "aws_bedrock",
                    "region": "us-east-1",
                    "credentials": {
                        "access_key_id": "AKIAEXAMPLE0001",
                        "secret_access_key": AWS_SECRET,
                    },
                },
                {
                    "name": "contoso-gemini",
                    "provider": "google_gemini",
                    "mode": "vertex_ai",
                    "project": "p",
                    "location": "us-central1",
                    "credentials": {
                        "service_account_json": {
                            "type": "service_account",
                            "client_email": "svc@p.iam.gserviceaccount.com",
                            "private_key": SA_PRIVATE_KEY,
                            "token_uri": "https://oauth2.googleapis.com/token",
                        }
                    },
                },
                {
                    "name": "contoso-gemini-api",
                    "provider": "google_gemini",
                    "mode": "gemini_api",
                    "credentials": {"api_key": GEMINI_KEY},
                },
            ],
            "alias_mappings": [
                {"alias": "gpt_large", "connection": "contoso-azure", "model": "gpt4o-prod"}
            ],
            "model_providers": {
                "instance": "azure_openai",
                "skills": {"incident_summarization": "aws_bedrock"},
            },
            "version_overrides": [{"skill": "chat_summarization", "model_version": "gpt-4.1-mini"}],
        }
    )


@pytest.fixture(autouse=True)
def catalogue() -> None:
    seed_catalog()


def _state() -> tuple:
    return (
        list(Connection.objects.order_by("pk").values_list()),
        list(AliasMapping.objects.order_by("pk").values_list()),
        list(ModelProviderPolicy.objects.order_by("pk").values_list()),
        list(VersionOverride.objects.order_by("pk").values_list()),
        list(Provider.objects.order_by("pk").values_list("kind", "integration_mode")),
        AuditEvent.objects.count(),
    )


def test_it_imports_the_design_example() -> None:
    result = import_document(example())
    assert result.changed
    modes = dict(Provider.objects.values_list("kind", "integration_mode"))
    assert modes["azure_openai"] == "byok"
    assert modes["aws_bedrock"] == "byok"
    azure = Connection.objects.get(name="contoso-azure")
    assert azure.secrets == {"api_key": AZURE_KEY}
    bedrock = Connection.objects.get(name="contoso-bedrock")
    assert bedrock.access_key_id == "AKIAEXAMPLE0001"
    assert bedrock.secrets == {"secret_access_key": AWS_SECRET}
    assert (
        "svc@p.iam" in Connection.objects.get(name="contoso-gemini").secrets["service_account_json"]
    )
    mapping = AliasMapping.objects.get(is_active=True)
    assert (mapping.alias.key, mapping.connection.name, mapping.model) == (
        "gpt_large",
        "contoso-azure",
        "gpt4o-prod",
    )
    assert ModelProviderPolicy.objects.get(scope="instance").provider.kind == "azure_openai"
    assert ModelProviderPolicy.objects.get(skill__key="incident_summarization").provider.kind == (
        "aws_bedrock"
    )
    override = VersionOverride.objects.get()
    assert (override.scope, override.skill.key, override.model_version.name) == (
        "skill",
        "chat_summarization",
        "gpt-4.1-mini",
    )


def test_it_records_audit_events_from_the_import() -> None:
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    import_document(example())
    events = list(AuditEvent.objects.filter(id__gt=last))
    assert {e.source for e in events} == {"import"}
    assert any(e.object_repr == "contoso-azure" for e in events)
    assert all(AZURE_KEY not in str(e.changes) for e in events)


def test_it_changes_nothing_on_a_second_import() -> None:
    import_document(example())
    state = _state()
    result = import_document(example())
    assert not result.changed
    assert _state() == state


def test_it_keeps_secrets_that_are_not_given_and_replaces_those_that_are() -> None:
    import_document(example())
    doc = example()
    del doc["connections"][0]["credentials"]
    doc["connections"][3]["credentials"]["api_key"] = "gemini-import-api-key-0002"
    import_document(doc)
    assert Connection.objects.get(name="contoso-azure").secrets == {"api_key": AZURE_KEY}
    assert Connection.objects.get(name="contoso-gemini-api").secrets == {
        "api_key": "gemini-import-api-key-0002"
    }


def test_it_replaces_an_alias_mapping_keeping_one_active() -> None:
    import_document(example())
    doc = example()
    doc["alias_mappings"][0]["model"] = "gpt5-chat"
    import_document(doc)
    assert AliasMapping.objects.filter(alias__key="gpt_large").count() == 2
    active = AliasMapping.objects.get(alias__key="gpt_large", is_active=True)
    assert active.model == "gpt5-chat"


def test_it_reports_every_error_with_its_path_and_writes_nothing() -> None:
    state = _state()
    doc = example()
    doc["integrations"]["now_llm"] = "byok"
    doc["connections"][0]["endpoint"] = "https://evil.example.com"
    doc["connections"][1]["credentials"] = {"access_key_id": "AKIAEXAMPLE0001"}
    doc["connections"][2]["colour"] = "blue"
    doc["connections"][3]["name"] = "contoso-azure"
    doc["connections"].append(
        {"name": "x", "provider": "azure_openai", "endpoint": "https://x.openai.azure.com"}
    )
    doc["alias_mappings"].append(
        {"alias": "claude_large", "connection": "contoso-azure", "model": "m"}
    )
    doc["model_providers"]["skills"]["no_such_skill"] = "azure_openai"
    doc["version_overrides"].append({"skill": "case_summarization", "model_version": "gpt-4o"})

    errors = validate_document(doc)

    expected = [
        "integrations.now_llm: now_llm is platform-managed and supports oem only",
        "connections[0].endpoint: evil.example.com is not a public host of this provider",
        "connections[1].credentials.secret_access_key: required for aws_bedrock",
        "connections[2].colour: unknown key",
        "connections[3].name: duplicate connection name 'contoso-azure'",
        "connections[4].credentials.api_key: required for azure_openai",
        "alias_mappings[1].connection: connection contoso-azure belongs to azure_openai, but claude_large is served by aws_bedrock",
        "model_providers.skills.no_such_skill: unknown skill 'no_such_skill'",
        "version_overrides[1].model_version: gpt-4o is deprecated and cannot be chosen",
    ]
    for line in expected:
        assert any(e.startswith(line) for e in errors), line
    with pytest.raises(ConfigDocumentError) as exc:
        import_document(doc)
    assert exc.value.errors == errors
    assert _state() == state  # the valid parts were not written either


def test_it_checks_types_versions_and_unknown_keys() -> None:
    errors = validate_document(
        {
            "version": 2,
            "connectionz": [],
            "connections": {"name": "a"},
            "alias_mappings": [{"alias": "gpt_large"}],
            "version_overrides": [{"model_version": "no-such-model"}, {"skill": "generic_prompt"}],
        }
    )
    assert "version: must be 1" in errors
    assert "connectionz: unknown key" in errors
    assert "connections: must be a list" in errors
    assert "alias_mappings[0].model: must be a non-empty string" in errors
    assert "alias_mappings[0].connection: unknown connection None" in errors
    assert "version_overrides[0].model_version: unknown model version 'no-such-model'" in errors
    assert "version_overrides[1]: give a model_version, a variant, or both" in errors
    assert validate_document([]) == ["$: must be an object"]


def test_it_enforces_the_integration_modes_and_owners_of_each_provider() -> None:
    errors = validate_document(
        {
            "version": 1,
            "integrations": {"generic_llm": "oem", "azure_openai": "sideways"},
            "connections": [
                {
                    "name": "now",
                    "provider": "now_llm",
                    "owner": "customer",
                    "endpoint": "https://llm.example.com",
                    "credentials": {"api_key": "now-key-000000001"},
                },
                {
                    "name": "gen",
                    "provider": "generic_llm",
                    "owner": "platform",
                    "endpoint": "https://llm.example.com",
                    "credentials": {"api_key": "gen-key-000000001"},
                },
            ],
        }
    )
    assert (
        "integrations.generic_llm: generic_llm has no platform key and supports byok only" in errors
    )
    assert "integrations.azure_openai: must be one of oem, byok" in errors
    assert 'connections[0].owner: now_llm is platform-managed; set "owner": "platform"' in errors
    assert "connections[1].owner: generic_llm has no platform (OEM) connections" in errors


def test_it_never_puts_a_secret_value_in_an_error() -> None:
    doc = example()
    doc["connections"][0]["credentials"] = {"apikey": AZURE_KEY}
    doc["connections"][1]["credentials"]["secret_access_key"] = 12345
    errors = validate_document(doc)
    assert (
        "connections[0].credentials.apikey: unknown credential; azure_openai takes api_key, entra_token"
        in errors
    )
    assert "connections[1].credentials.secret_access_key: must be a non-empty string" in errors
    assert not any(AZURE_KEY in e for e in errors)


def test_it_checks_the_vertex_service_account_and_location() -> None:
    doc = example()
    del doc["connections"][2]["location"]
    doc["connections"][2]["credentials"]["service_account_json"] = {"type": "service_account"}
    errors = validate_document(doc)
    assert "connections[2].location: required for Vertex AI" in errors
    assert (
        "connections[2].credentials.service_account_json: service-account JSON lacks "
        "client_email, private_key, token_uri"
    ) in errors


def test_it_allows_the_sandbox_host_only_when_listed(settings) -> None:
    doc = example()
    doc["connections"][1]["endpoint"] = "http://127.0.0.1:8900"
    settings.BYOK_ALLOWED_ENDPOINTS = ["http://127.0.0.1:*"]
    assert validate_document(doc) == []
    settings.BYOK_ALLOWED_ENDPOINTS = []
    assert validate_document(doc) == [
        "connections[1].endpoint: 127.0.0.1 must be reached over https; or add "
        "http://127.0.0.1:8900 to BYOK_ALLOWED_ENDPOINTS to allow it."
    ]


def test_it_refuses_to_move_a_connection_to_another_provider() -> None:
    import_document(example())
    doc = example()
    doc["connections"][3]["name"] = "contoso-bedrock"
    del doc["connections"][1]
    assert validate_document(doc) == [
        "connections[2].provider: connection contoso-bedrock already exists for aws_bedrock; "
        "a connection cannot change provider"
    ]


def test_it_sets_instance_and_provider_scoped_overrides_with_variants() -> None:
    doc = example()
    doc["version_overrides"] = [
        {"model_version": "gemini-2.5-flash"},
        {"skill": "case_summarization", "provider": "aws_bedrock", "variant": "default"},
    ]
    import_document(doc)
    instance = VersionOverride.objects.get(scope="instance")
    assert instance.model_version.name == "gemini-2.5-flash"
    assert instance.skill is None
    scoped = VersionOverride.objects.get(skill__key="case_summarization")
    assert (scoped.provider.kind, scoped.variant_name, scoped.model_version) == (
        "aws_bedrock",
        "default",
        None,
    )
    doc["version_overrides"][1]["variant"] = "terse"
    assert validate_document(doc) == [
        "version_overrides[1].variant: case_summarization has no variant 'terse'"
    ]
