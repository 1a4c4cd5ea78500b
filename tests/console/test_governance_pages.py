"""Settings pages: each governance control listed, added, edited and removed by a data steward,
read by an auditor, refused to others; bad input answers with field errors."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from console.services.catalog import seed_catalog
from skills.models import Budget, DataPattern, GuardrailSetting, PrivacyPolicy, ProviderAllowance

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(client: Client, steward_user) -> Client:
    seed_catalog()
    client.force_login(steward_user)
    return client


def test_a_steward_sets_a_guardian_check_and_it_is_audited(steward) -> None:
    response = steward.post(
        "/settings/guardian/", {"scope": "instance", "kind": "prompt_injection", "mode": "block"}
    )
    assert response.status_code == 302
    setting = GuardrailSetting.objects.get()
    assert (setting.kind, setting.mode) == ("prompt_injection", "block")
    page = steward.get("/settings/guardian/").content.decode()
    assert "Prompt injection" in page
    assert "Block" in page
    event = AuditEvent.objects.get(object_type="skills.guardrailsetting")
    assert event.actor_label == "dana_steward"


def test_a_skill_scope_needs_its_skill(steward) -> None:
    response = steward.post(
        "/settings/guardian/", {"scope": "skill", "kind": "offensive", "mode": "log"}
    )
    assert response.status_code == 400
    assert "skill" in response.context["form"].errors


def test_a_privacy_policy_keeps_its_patterns_and_name_fields(steward) -> None:
    response = steward.post(
        "/settings/privacy/",
        {
            "name": "Default",
            "scope": "instance",
            "patterns": ["email", "card"],
            "name_fields": "caller, assigned_to",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    policy = PrivacyPolicy.objects.get()
    assert (policy.patterns, policy.name_fields) == (["card", "email"], ["assigned_to", "caller"])
    edit = steward.get(f"/settings/privacy/{policy.pk}/").content.decode()
    assert "assigned_to, caller" in edit


def test_a_policy_needs_something_to_mask(steward) -> None:
    response = steward.post("/settings/privacy/", {"name": "Empty", "scope": "instance"})
    assert response.status_code == 400
    assert "patterns" in response.context["form"].errors


def test_a_custom_pattern_prone_to_backtracking_is_refused(steward) -> None:
    response = steward.post(
        "/settings/data-patterns/",
        {"key": "bad", "label": "Bad", "regex": "(a+)+$", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "regex" in response.context["form"].errors
    assert not DataPattern.objects.exists()


def test_the_test_box_shows_what_a_pattern_finds(steward) -> None:
    response = steward.post(
        "/settings/data-patterns/try/",
        {"regex": r"E\d{6}", "sample": "badge E123456 and E654321"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 matches" in page
    assert "E654321" in page
    bad = steward.post("/settings/data-patterns/try/", {"regex": "(", "sample": "x"})
    assert bad.status_code == 400
    assert 'class="error"' in bad.content.decode()


def test_allowed_regions_are_checked(steward) -> None:
    from providers.models import Provider

    azure = Provider.objects.get(kind="azure_openai")
    response = steward.post(
        "/settings/allowed-providers/",
        {"scope": "instance", "provider": azure.pk, "regions": "eastus", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "regions" in response.context["form"].errors
    bedrock = Provider.objects.get(kind="aws_bedrock")
    response = steward.post(
        "/settings/allowed-providers/",
        {"scope": "instance", "provider": bedrock.pk, "regions": "eu-central-1, eu-west-1"},
    )
    assert response.status_code == 302
    assert ProviderAllowance.objects.get().regions == ["eu-central-1", "eu-west-1"]


def test_a_budget_shows_its_standing_and_can_be_removed(steward) -> None:
    response = steward.post(
        "/settings/budgets/",
        {
            "name": "Daily spend",
            "scope": "instance",
            "period": "day",
            "metric": "cost",
            "limit": "25",
            "soft_percent": "80",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:800]
    budget = Budget.objects.get()
    page = steward.get("/settings/budgets/").content.decode()
    assert "Daily spend" in page
    assert "0 (0%)" in page
    assert steward.post(f"/settings/budgets/{budget.pk}/remove/").status_code == 302
    assert not Budget.objects.exists()


@pytest.mark.parametrize("limit", ["0", "-5", "1e99", "abc", "12.1234567"])
def test_a_bad_limit_is_a_field_error(steward, limit) -> None:
    response = steward.post(
        "/settings/budgets/",
        {"name": "x", "scope": "instance", "period": "day", "metric": "cost", "limit": limit},
    )
    assert response.status_code == 400
    assert "limit" in response.context["form"].errors


def test_an_auditor_reads_but_cannot_change(client, auditor_user) -> None:
    seed_catalog()
    GuardrailSetting.objects.create(scope="instance", kind="offensive", mode="log")
    client.force_login(auditor_user)
    page = client.get("/settings/guardian/").content.decode()
    assert "Offensiveness" in page
    assert "Remove" not in page
    assert 'id="edit"' not in page
    response = client.post("/settings/guardian/", {"scope": "instance", "kind": "offensive"})
    assert response.status_code == 403


def test_an_unknown_section_is_not_found(steward) -> None:
    assert steward.get("/settings/nothing/").status_code == 404
