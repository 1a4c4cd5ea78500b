"""Governance endpoints: a steward writes, an auditor reads, malformed values are field errors,
and the configuration document carries the section both ways."""

from __future__ import annotations

from decimal import Decimal

import pytest

from console.services.config_io import ConfigDocumentError, export_document, import_document
from skills.models import Budget, BudgetUsage, GuardrailSetting, PrivacyPolicy, ProviderAllowance
from skills.services import budgets

pytestmark = pytest.mark.django_db


def test_a_steward_creates_a_privacy_policy_and_an_auditor_reads_it(demo, client_for) -> None:
    body = {"name": "Default", "scope": "instance", "patterns": ["email"], "name_fields": []}
    response = client_for("steward_user").post("/api/v1/privacy-policies/", body, format="json")
    assert response.status_code == 201, response.content
    listed = client_for("auditor_user").get("/api/v1/privacy-policies/").json()["results"]
    assert [p["patterns"] for p in listed] == [["email"]]
    refused = client_for("auditor_user").post("/api/v1/privacy-policies/", body, format="json")
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/privacy-policies/", {"name": "a", "scope": "instance", "patterns": "email"}, "patterns"),
        ("/api/v1/privacy-policies/", {"name": "a", "scope": "instance", "patterns": [1]}, "patterns"),
        ("/api/v1/privacy-policies/", {"name": "a", "scope": "instance", "patterns": ["nope"]}, "patterns"),
        ("/api/v1/allowed-providers/", {"scope": "instance", "provider": "azure_openai", "regions": {"a": 1}}, "regions"),
        ("/api/v1/allowed-providers/", {"scope": "instance", "provider": "azure_openai", "regions": ["eastus"]}, "regions"),
        ("/api/v1/guardrails/", {"scope": "skill", "kind": "offensive", "mode": "log"}, "skill"),
        ("/api/v1/guardrails/", {"scope": "instance", "kind": "offensive", "mode": "loud"}, "mode"),
        ("/api/v1/data-patterns/", {"key": "x", "label": "X", "regex": "(a|a)*$"}, "regex"),
        ("/api/v1/budgets/", {"name": "b", "scope": "skill", "period": "day", "metric": "cost", "limit": "5"}, "skill"),
        ("/api/v1/budgets/", {"name": "b", "scope": "instance", "period": "day", "metric": "cost", "limit": "1e40"}, "limit"),
        ("/api/v1/budgets/", {"name": "b", "scope": "instance", "period": "day", "metric": "tokens", "limit": "1.5"}, "limit"),
    ],
)  # fmt: skip
def test_a_bad_value_is_a_field_error(demo, client_for, path, body, field) -> None:
    response = client_for("admin_user").post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_budget_answers_with_its_standing(demo, client_for) -> None:
    budget = Budget.objects.create(
        name="Spend", scope="instance", period="month", metric="cost", limit=Decimal(10)
    )
    BudgetUsage.objects.create(
        budget=budget, period_start=budgets.period_start("month"), used=Decimal("1.5")
    )
    [row] = client_for("auditor_user").get("/api/v1/budgets/").json()["results"]
    assert (row["used"], row["reserved"], row["limit"]) == ("1.500000", "0.000000", "10.000000")


DOCUMENT = {
    "version": 1,
    "governance": {
        "guardrails": [{"check": "prompt_injection", "mode": "block"}],
        "data_patterns": [{"key": "employee_id", "label": "Employee id", "regex": "E\\d{6}"}],
        "privacy_policies": [
            {"name": "Default", "patterns": ["email", "employee_id"], "name_fields": ["caller"]}
        ],
        "allowed_providers": [{"provider": "aws_bedrock", "regions": ["eu-central-1"]}],
        "budgets": [
            {
                "name": "Azure daily",
                "scope": "provider",
                "target": "azure_openai",
                "period": "day",
                "metric": "cost",
                "limit": "25",
            }
        ],
    },
}


def test_the_document_imports_exports_and_reimports_unchanged(demo) -> None:
    result = import_document(DOCUMENT)
    assert result.changed
    assert GuardrailSetting.objects.get().mode == "block"
    assert PrivacyPolicy.objects.get().patterns == ["email", "employee_id"]
    assert ProviderAllowance.objects.get().regions == ["eu-central-1"]
    assert Budget.objects.get().target.kind == "azure_openai"
    exported = export_document()["governance"]
    assert exported["budgets"][0]["target"] == "azure_openai"
    again = import_document({"version": 1, "governance": exported})
    assert not again.changed, again.summary()


@pytest.mark.parametrize(
    ("governance", "error"),
    [
        ({"budgets": "x"}, "governance.budgets: must be a list"),
        ({"guardrails": [{"check": 1}]}, "governance.guardrails[0].check: must be a string"),
        ({"budgets": [{"name": "b", "scope": "skill", "target": "nope", "period": "day",
                       "metric": "cost", "limit": "5"}]}, "governance.budgets[0].target: unknown skill"),
        ({"budgets": [{"name": "b", "scope": "instance", "period": "day", "metric": "cost",
                       "limit": "NaN"}]}, "governance.budgets[0].limit"),
        ({"privacy_policies": [{"name": "p", "patterns": ["nope"]}]}, "governance.privacy_policies[0]"),
        ({"nope": []}, "governance.nope: unknown key"),
    ],
)  # fmt: skip
def test_a_bad_section_names_its_path_and_writes_nothing(demo, governance, error) -> None:
    with pytest.raises(ConfigDocumentError) as caught:
        import_document({"version": 1, "governance": governance})
    assert any(line.startswith(error) for line in caught.value.errors), caught.value.errors
    assert not Budget.objects.exists()
    assert not PrivacyPolicy.objects.exists()
