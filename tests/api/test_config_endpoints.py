"""Config import/export, the integration switch, alias mappings, variants and policies."""

from __future__ import annotations

import pytest

from providers.models import AliasMapping, Connection, Provider
from skills.choices import VariantStatus
from skills.models import ModelProviderPolicy, Skill, SkillVariant, VersionOverride

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/config/export/"
IMPORT = "/api/v1/config/import/"


def _mapping_of(alias: str) -> tuple[str, str]:
    row = AliasMapping.objects.get(alias__key=alias, is_active=True)
    return row.connection.name, row.model


def test_it_round_trips_the_exported_document(demo, client_for) -> None:
    client = client_for("admin_user")
    doc = client.get(EXPORT).json()
    assert {c["name"] for c in doc["connections"]} >= {"contoso-azure", "contoso-bedrock"}
    result = client.post(IMPORT, doc, format="json")
    assert result.status_code == 200, result.json()
    assert result.json()["changed"] is False


def test_it_imports_a_changed_document_and_reports_the_tally(demo, client_for) -> None:
    client = client_for("admin_user")
    doc = client.get(EXPORT).json()
    doc["alias_mappings"] = [{"alias": "gpt_large", "connection": "contoso-azure", "model": "x1"}]
    result = client.post(IMPORT, doc, format="json").json()
    assert result["changed"] is True
    assert result["created"] == {"alias mappings": 1}
    assert _mapping_of("gpt_large") == ("contoso-azure", "x1")


def test_it_validates_only_on_a_dry_run(demo, client_for) -> None:
    client = client_for("admin_user")
    doc = client.get(EXPORT).json()
    doc["alias_mappings"] = [{"alias": "gpt_large", "connection": "contoso-azure", "model": "x1"}]
    before = _mapping_of("gpt_large")
    response = client.post(f"{IMPORT}?dry_run=1", doc, format="json")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert _mapping_of("gpt_large") == before


@pytest.mark.parametrize("query", ["", "?dry_run=1"])
def test_it_writes_nothing_from_an_invalid_document(demo, client_for, query) -> None:
    doc = {
        "version": 1,
        "integrations": {"azure_openai": "oem"},
        "connections": [{"name": "bad", "provider": "azure_openai", "endpoint": "ftp://x"}],
    }
    response = client_for("admin_user").post(f"{IMPORT}{query}", doc, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(e.startswith("connections[0]") for e in errors)
    assert Provider.objects.get(kind="azure_openai").integration_mode == "byok"
    assert not Connection.objects.filter(name="bad").exists()


@pytest.mark.parametrize("body", [[], "text", {"version": 99}])
def test_it_answers_a_malformed_document_with_errors(demo, client_for, body) -> None:
    response = client_for("admin_user").post(IMPORT, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_it_refuses_an_unready_integration_switch_unless_forced(demo, client_for) -> None:
    client = client_for("admin_user")
    url = "/api/v1/providers/generic_llm/"
    refused = client.patch(url, {"integration_mode": "oem", "force": True}, format="json")
    assert refused.status_code == 400
    assert refused.json()["integration_mode"]
    AliasMapping.objects.filter(alias__provider__kind="aws_bedrock").update(is_active=False)
    bedrock = "/api/v1/providers/aws_bedrock/"
    client.patch(bedrock, {"integration_mode": "oem"}, format="json")
    unready = client.patch(bedrock, {"integration_mode": "byok"}, format="json")
    assert unready.status_code == 400
    assert "mapped" in unready.json()["integration_mode"][0]
    forced = client.patch(bedrock, {"integration_mode": "byok", "force": True}, format="json")
    assert forced.status_code == 200
    assert Provider.objects.get(kind="aws_bedrock").integration_mode == "byok"


def test_it_switches_a_ready_provider_and_audits_it(demo, client_for, admin_user) -> None:
    from auditlog.models import AuditEvent

    client = client_for("admin_user")
    response = client.patch(
        "/api/v1/providers/azure_openai/", {"integration_mode": "oem"}, format="json"
    )
    assert response.json()["integration_mode"] == "oem"
    event = AuditEvent.objects.filter(object_type__icontains="provider").latest("created_at")
    assert (event.actor, event.source) == (admin_user, "api")


def test_it_retires_the_previous_mapping_of_an_alias(demo, client_for) -> None:
    client = client_for("admin_user")
    old = AliasMapping.objects.get(alias__key="gpt_large", is_active=True)
    response = client.post(
        "/api/v1/alias-mappings/",
        {"alias": "gpt_large", "connection": "contoso-azure", "model": "gpt4o-new"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    old.refresh_from_db()
    assert old.is_active is False
    assert _mapping_of("gpt_large") == ("contoso-azure", "gpt4o-new")


def test_it_refuses_a_mapping_to_another_providers_connection(demo, client_for) -> None:
    response = client_for("admin_user").post(
        "/api/v1/alias-mappings/",
        {"alias": "gpt_large", "connection": "contoso-bedrock", "model": "m"},
        format="json",
    )
    assert response.status_code == 400
    assert "connection" in response.json()
    assert _mapping_of("gpt_large")[0] == "contoso-azure"


def test_it_publishes_a_draft_and_rolls_back(demo, client_for) -> None:
    client = client_for("admin_user")
    live = SkillVariant.objects.get(
        skill__key="incident_summarization", status=VariantStatus.PUBLISHED, provider=None
    )
    draft = client.post(
        "/api/v1/skill-variants/",
        {
            "skill": "incident_summarization",
            "name": live.name,
            "template": "Sum: {{ description }}",
        },
        format="json",
    ).json()
    assert "status" in draft, draft
    assert (draft["status"], draft["version"]) == ("draft", live.version + 1)
    url = f"/api/v1/skill-variants/{draft['id']}/"
    assert client.patch(url, {"notes": "tighter"}, format="json").status_code == 200
    published = client.post(f"{url}publish/").json()
    assert (published["status"], published["is_default"]) == ("published", True)
    live.refresh_from_db()
    assert live.status == VariantStatus.ARCHIVED
    assert client.patch(url, {"notes": "again"}, format="json").status_code == 400
    back = client.post(f"/api/v1/skill-variants/{live.pk}/rollback/")
    assert back.json()["status"] == "published"
    assert SkillVariant.objects.get(pk=draft["id"]).status == VariantStatus.ARCHIVED
    assert client.post(f"{url}publish/").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"scope": "skill", "provider": "aws_bedrock"},
        {"scope": "instance", "provider": "aws_bedrock"},  # one instance policy exists
        {"scope": "skill", "skill": "chat_summarization", "provider": "nope"},
        {
            "scope": "skill",
            "skill": "chat_summarization",
            "provider": "aws_bedrock",
            "fallback_provider": "aws_bedrock",
        },
    ],
)
def test_it_answers_a_bad_policy_with_400(demo, client_for, body) -> None:
    before = ModelProviderPolicy.objects.count()
    response = client_for("admin_user").post(
        "/api/v1/model-provider-policies/", body, format="json"
    )
    assert response.status_code == 400
    assert ModelProviderPolicy.objects.count() == before


def test_it_creates_a_skill_policy(demo, client_for) -> None:
    skill = Skill.objects.filter(provider_policies=None).order_by("key").first().key
    response = client_for("admin_user").post(
        "/api/v1/model-provider-policies/",
        {"scope": "skill", "skill": skill, "provider": "aws_bedrock"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert ModelProviderPolicy.objects.get(skill__key=skill).provider.kind == "aws_bedrock"


def test_it_toggles_a_skill_and_refuses_other_fields(demo, client_for) -> None:
    client = client_for("admin_user")
    url = "/api/v1/skills/incident_summarization/"
    body = client.patch(url, {"is_active": False, "name": "Renamed"}, format="json").json()
    assert (body["is_active"], body["name"]) == (False, "Incident summarization")


def test_it_manages_a_version_override(demo, client_for) -> None:
    client = client_for("admin_user")
    url = "/api/v1/version-overrides/"
    VersionOverride.objects.filter(skill__key="incident_summarization").delete()
    created = client.post(
        url,
        {
            "scope": "skill",
            "skill": "incident_summarization",
            "provider": "azure_openai",
            "model_version": "gpt-4.1-mini",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["model_version"] == "gpt-4.1-mini"
    row = f"{url}{created.json()['id']}/"
    retired = client.patch(row, {"model_version": "gpt-4o"}, format="json")
    assert retired.status_code == 400
    assert "model_version" in retired.json()
    wrong = client.patch(row, {"model_version": "gemini-2.5-pro"}, format="json")
    assert wrong.status_code == 400
    assert client.delete(row).status_code == 204
    assert not VersionOverride.objects.filter(skill__key="incident_summarization").exists()
