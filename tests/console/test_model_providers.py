"""Manage model providers: policy summary, edit (save and activate), overwrite, history."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from providers.choices import ProviderKind
from providers.models import Provider
from sandbox.demo import seed_demo
from skills.choices import PolicyScope, SkillGroup
from skills.models import ModelProviderPolicy, Skill
from skills.services.policies import customisations, skill_policies
from skills.services.resolution import policy_for, provider_for

pytestmark = pytest.mark.django_db

URL = "/model-providers/"


@pytest.fixture
def demo() -> None:
    seed_demo("http://127.0.0.1:8900")


@pytest.fixture
def admin(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


def _provider(kind: str) -> Provider:
    return Provider.objects.get(kind=kind)


def _skill() -> Skill:
    return Skill.objects.filter(is_active=True).order_by("key").first()


def test_the_summary_names_the_instance_default_and_each_skills_provider(
    demo, admin: Client
) -> None:
    instance = ModelProviderPolicy.objects.get(scope=PolicyScope.INSTANCE)
    html = admin.get(URL).content.decode()
    assert f"Instance default: <strong>{instance.provider.name}</strong>" in html
    assert _skill().name in html
    assert "instance default on Manage model providers" in html  # the trace's own words


def test_a_skill_customisation_is_saved_activated_and_routes_the_skill(demo, admin: Client) -> None:
    skill, gemini = _skill(), _provider(ProviderKind.GOOGLE_GEMINI)
    response = admin.post(
        URL, {"scope": PolicyScope.SKILL, "skill": skill.pk, "provider": gemini.pk}
    )
    assert response.status_code == 302
    assert provider_for(skill) == gemini
    html = admin.get(URL).content.decode()
    assert "Saved and activated" in html
    assert f"skill customisation for {skill.key}" in html
    assert "Change history" in html
    event = AuditEvent.objects.filter(object_type="skills.modelproviderpolicy").latest("id")
    assert event.object_repr in html


def test_an_instance_change_asks_before_overwriting_customisations_and_then_does(
    demo, admin: Client
) -> None:
    skill = _skill()
    bedrock, gemini = _provider(ProviderKind.AWS_BEDROCK), _provider(ProviderKind.GOOGLE_GEMINI)
    admin.post(URL, {"scope": PolicyScope.SKILL, "skill": skill.pk, "provider": gemini.pk})
    admin.post(
        URL,
        {"scope": PolicyScope.SKILL_GROUP, "skill_group": SkillGroup.HR, "provider": gemini.pk},
    )
    active = customisations().count()
    assert active >= 2
    refused = admin.post(URL, {"scope": PolicyScope.INSTANCE, "provider": bedrock.pk})
    assert refused.status_code == 400
    assert f"{active} skill customisation(s) are active" in refused.content.decode()
    assert provider_for(skill) == gemini
    done = admin.post(
        URL, {"scope": PolicyScope.INSTANCE, "provider": bedrock.pk, "overwrite": "on"}
    )
    assert done.status_code == 302
    assert provider_for(skill) == bedrock
    assert not ModelProviderPolicy.objects.filter(is_active=True).exclude(
        scope=PolicyScope.INSTANCE
    )
    assert f"{active} customisation(s) overwritten" in admin.get(URL).content.decode()


def test_bad_input_is_a_form_error_and_changes_nothing(demo, admin: Client) -> None:
    azure = _provider(ProviderKind.AZURE_OPENAI)
    before = list(ModelProviderPolicy.objects.values_list("pk", "provider_id", "is_active"))
    cases = [
        ({"scope": PolicyScope.SKILL, "provider": azure.pk}, "Choose the skill"),
        ({"scope": PolicyScope.SKILL_GROUP, "provider": azure.pk}, "Choose the skill group"),
        (
            {"scope": PolicyScope.INSTANCE, "provider": azure.pk, "fallback": azure.pk},
            "The fallback must be another provider",
        ),
        ({"scope": "galaxy", "provider": azure.pk}, "Select a valid choice"),
        ({"scope": PolicyScope.INSTANCE, "provider": "999999"}, "Select a valid choice"),
    ]
    for data, message in cases:
        response = admin.post(URL, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert list(ModelProviderPolicy.objects.values_list("pk", "provider_id", "is_active")) == (
        before
    )


def test_removing_a_customisation_sends_the_skill_back_to_the_instance_default(
    demo, admin: Client
) -> None:
    skill, gemini = _skill(), _provider(ProviderKind.GOOGLE_GEMINI)
    admin.post(URL, {"scope": PolicyScope.SKILL, "skill": skill.pk, "provider": gemini.pk})
    policy = ModelProviderPolicy.objects.get(scope=PolicyScope.SKILL, skill=skill)
    assert admin.post(f"/model-providers/{policy.pk}/deactivate/").status_code == 302
    instance = ModelProviderPolicy.objects.get(scope=PolicyScope.INSTANCE)
    assert provider_for(skill) == instance.provider
    assert admin.post(f"/model-providers/{instance.pk}/deactivate/").status_code == 404


def test_readers_see_the_summary_but_cannot_change_it(
    demo, client: Client, operator_user, auditor_user
) -> None:
    azure = _provider(ProviderKind.AZURE_OPENAI)
    client.force_login(operator_user)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Save and activate" not in page.content.decode()
    assert client.post(URL, {"scope": "instance", "provider": azure.pk}).status_code == 403
    client.force_login(auditor_user)
    assert client.get(URL).status_code == 403


def test_the_skills_summary_reads_the_policies_once_for_every_skill(
    demo, django_assert_num_queries
) -> None:
    skill, gemini = _skill(), _provider(ProviderKind.GOOGLE_GEMINI)
    ModelProviderPolicy.objects.create(scope=PolicyScope.SKILL, skill=skill, provider=gemini)
    with django_assert_num_queries(2):  # the active policies, then the active skills
        rows = skill_policies()
    assert len(rows) == Skill.objects.filter(is_active=True).count() > 1
    for row in rows:
        assert (row.policy, row.source) == policy_for(row.skill)
