"""Version management: the overview, instance and skill targets, bulk update, removal."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from providers.choices import IntegrationMode, ProviderKind, VersionStatus
from providers.models import ModelAlias, ModelVersion, Provider
from sandbox.demo import seed_demo
from skills.choices import OverrideScope, PolicyScope
from skills.models import Skill, VersionOverride
from skills.services.policies import activate_policy
from skills.services.resolution import resolve

pytestmark = pytest.mark.django_db

URL = "/versions/"


@pytest.fixture
def demo() -> None:
    seed_demo("http://127.0.0.1:8900")


@pytest.fixture
def admin(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


def _provider(kind: str = ProviderKind.AZURE_OPENAI) -> Provider:
    return Provider.objects.get(kind=kind)


def _version(name: str) -> ModelVersion:
    return ModelVersion.objects.get(name=name)


def _skills(n: int) -> list[Skill]:
    return list(Skill.objects.filter(is_active=True).order_by("key")[:n])


def _on_azure_oem(*skills: Skill) -> None:
    """Route `skills` to Azure OpenAI on the platform key, where targets apply."""
    azure = _provider()
    Provider.objects.filter(pk=azure.pk).update(integration_mode=IntegrationMode.OEM)
    for skill in skills:
        activate_policy(PolicyScope.SKILL, azure, skill=skill)


def test_the_overview_groups_versions_by_status_with_dates_and_alias_defaults(
    demo, admin: Client
) -> None:
    html = admin.get(URL).content.decode()
    deprecated = _version("gpt-4o")
    assert deprecated.status == VersionStatus.DEPRECATED
    assert "gpt-4o" in html
    assert deprecated.retires_on.isoformat() in html
    assert 'class="badge status-deprecated">Deprecated' in html
    alias = ModelAlias.objects.filter(provider=_provider()).first()
    assert f"<code>{alias.key}</code> → <strong>{alias.default_version.name}</strong>" in html


def test_non_selectable_versions_are_not_offered(demo, admin: Client) -> None:
    response = admin.get(URL)
    bulk = response.context["bulk"]
    offered = {
        str(value) for _, group in bulk.fields["model_version"].choices[1:] for value, _ in group
    }
    assert str(_version("gpt-4.1").pk) in offered
    assert str(_version("gpt-4o").pk) not in offered  # deprecated
    assert str(_version("text-embedding-3-large").pk) not in offered  # not a chat model


def test_an_instance_target_is_set_shown_beside_the_default_and_removed(
    demo, admin: Client
) -> None:
    azure, target = _provider(), _version("gpt-5")
    response = admin.post(URL + "instance/", {"provider": azure.pk, "model_version": target.pk})
    assert response.status_code == 302
    override = VersionOverride.objects.get(
        scope=OverrideScope.INSTANCE, provider=azure, is_active=True
    )
    assert override.model_version == target
    html = admin.get(URL).content.decode()
    assert "Instance target saved" in html
    assert "Target model version:\n  <strong>gpt-5</strong>" in html
    # Changing it updates the same override rather than adding one.
    admin.post(URL + "instance/", {"provider": azure.pk, "model_version": _version("gpt-5.4").pk})
    override.refresh_from_db()
    assert override.model_version.name == "gpt-5.4"
    assert VersionOverride.objects.filter(scope=OverrideScope.INSTANCE, is_active=True).count() == 1
    assert admin.post(f"{URL}targets/{override.pk}/remove/").status_code == 302
    override.refresh_from_db()
    assert not override.is_active


def test_an_instance_target_through_htmx_swaps_the_providers_card(demo, admin: Client) -> None:
    azure = _provider()
    response = admin.post(
        URL + "instance/",
        {"provider": azure.pk, "model_version": _version("gpt-5").pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="instance-azure_openai"')
    assert "<strong>gpt-5</strong>" in html
    assert "Saved" in html


@pytest.mark.parametrize("status", [VersionStatus.DEPRECATED, VersionStatus.RETIRED])
def test_a_non_selectable_version_posted_anyway_is_a_field_error(
    demo, admin: Client, status: str
) -> None:
    version = _version("gpt-4.1")
    ModelVersion.objects.filter(pk=version.pk).update(status=status)
    skill = _skills(1)[0]
    for path, data in [
        ("instance/", {"provider": version.provider_id, "model_version": version.pk}),
        ("skills/", {"skills": [skill.pk], "model_version": version.pk}),
    ]:
        response = admin.post(URL + path, data)
        assert response.status_code == 400, path
        form = response.context["instance" if path == "instance/" else "bulk"]
        assert f"gpt-4.1 is {status} and cannot be chosen." in form.errors["model_version"]
    assert not VersionOverride.objects.exists()


def test_a_version_of_another_provider_is_refused_for_an_instance_target(
    demo, admin: Client
) -> None:
    gemini = _provider(ProviderKind.GOOGLE_GEMINI)
    response = admin.post(
        URL + "instance/", {"provider": gemini.pk, "model_version": _version("gpt-5").pk}
    )
    assert response.status_code == 400
    assert "The version belongs to another provider." in response.content.decode()
    assert not VersionOverride.objects.exists()


def test_bulk_update_applies_to_exactly_the_chosen_skills_and_is_audited(
    demo, admin: Client
) -> None:
    chosen, other = _skills(2), _skills(3)[2]
    azure, target = _provider(), _version("gpt-5-mini")
    # One chosen skill already has a target: it is updated, not duplicated.
    existing = VersionOverride.objects.create(
        scope=OverrideScope.SKILL, skill=chosen[0], provider=azure, model_version=target
    )
    VersionOverride.objects.filter(pk=existing.pk).update(model_version=_version("gpt-4.1"))
    before = AuditEvent.objects.filter(object_type="skills.versionoverride").count()
    response = admin.post(
        URL + "skills/", {"skills": [s.pk for s in chosen], "model_version": target.pk}
    )
    assert response.status_code == 302
    active = VersionOverride.objects.filter(is_active=True, scope=OverrideScope.SKILL)
    assert {o.skill_id for o in active} == {s.pk for s in chosen}
    assert all(o.model_version == target and o.provider == azure for o in active)
    assert active.get(skill=chosen[0]).pk == existing.pk
    assert not VersionOverride.objects.filter(skill=other).exists()
    events = AuditEvent.objects.filter(object_type="skills.versionoverride").order_by("id")
    assert events.count() == before + 2
    assert {e.actor_id for e in events[before:]} == {response.wsgi_request.user.pk}
    assert "2 skill(s) now target gpt-5-mini" in admin.get(URL).content.decode()


def test_bulk_update_without_skills_or_version_says_what_is_missing(demo, admin: Client) -> None:
    response = admin.post(URL + "skills/", {})
    assert response.status_code == 400
    errors = response.context["bulk"].errors
    assert "Tick at least one skill." in errors["skills"]
    assert "model_version" in errors
    assert not VersionOverride.objects.exists()


def test_a_skills_invocation_resolves_to_its_target_on_the_oem_route(demo, admin: Client) -> None:
    skill, other = _skills(2)
    _on_azure_oem(skill, other)
    default = resolve(skill).model
    admin.post(URL + "skills/", {"skills": [skill.pk], "model_version": _version("gpt-5.4").pk})
    resolution = resolve(skill)
    assert resolution.route == "oem"
    assert resolution.model == "gpt-5.4" != default
    model_step = next(e for e in resolution.trace if e["step"] == "model")
    assert model_step == {
        "step": "model",
        "value": "gpt-5.4",
        "reason": f"skill {skill.key} + azure_openai override on Version Management",
    }
    assert resolve(other).model == default
    row = next(r for r in admin.get(URL).context["skills"] if r.skill == skill)
    assert (row.default.name, row.own.model_version.name) == (default, "gpt-5.4")
    # Removing the skill's target sends it back to the default version.
    admin.post(f"{URL}targets/{row.own.pk}/remove/")
    assert resolve(skill).model == default


def test_an_instance_target_applies_to_skills_without_their_own(demo, admin: Client) -> None:
    skill = _skills(1)[0]
    _on_azure_oem(skill)
    admin.post(
        URL + "instance/", {"provider": _provider().pk, "model_version": _version("gpt-5").pk}
    )
    assert resolve(skill).model == "gpt-5"
    row = next(r for r in admin.get(URL).context["skills"] if r.skill == skill)
    assert (row.effective.name, row.source) == ("gpt-5", "instance target")


def test_a_reader_sees_the_page_without_forms_and_cannot_change(
    demo, client: Client, operator_user
) -> None:
    client.force_login(operator_user)
    html = client.get(URL).content.decode()
    assert "Version management" in html
    assert "Update model version" not in html
    version = _version("gpt-5")
    assert (
        client.post(
            URL + "skills/", {"skills": [_skills(1)[0].pk], "model_version": version.pk}
        ).status_code
        == 403
    )
    assert (
        client.post(
            URL + "instance/", {"provider": version.provider_id, "model_version": version.pk}
        ).status_code
        == 403
    )
    assert not VersionOverride.objects.exists()


@pytest.mark.parametrize("who", ["auditor_user", "steward_user", "stranger"])
def test_the_page_is_closed_to_roles_without_configuration_access(
    demo, client: Client, request, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403


def test_a_target_for_a_provider_not_serving_the_skill_waits_and_says_so(
    demo, admin: Client
) -> None:
    skill = _skills(1)[0]
    gemini = _provider(ProviderKind.GOOGLE_GEMINI)
    activate_policy(PolicyScope.SKILL, gemini, skill=skill)
    response = admin.post(
        URL + "skills/", {"skills": [skill.pk], "model_version": _version("gpt-5").pk}
    )
    assert response.status_code == 302
    html = admin.get(URL).content.decode()
    assert "1 of them are served by another provider now" in html
    row = next(r for r in admin.get(URL).context["skills"] if r.skill == skill)
    assert row.own is None
    assert [o.model_version.name for o in row.waiting] == ["gpt-5"]
    assert "gpt-5 when Azure OpenAI serves it" in html


def test_an_htmx_post_without_a_version_returns_the_card_with_its_error(
    demo, admin: Client
) -> None:
    azure = _provider()
    response = admin.post(URL + "instance/", {"provider": azure.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="instance-azure_openai"')
    assert "This field is required." in html
    assert not VersionOverride.objects.exists()


def test_an_empty_catalogue_says_what_to_do_next(admin: Client) -> None:
    html = admin.get(URL).content.decode()
    assert "load the catalogue with <code>manage.py seed_catalog</code>" in html
    assert "No active skills: activate one on" in html


def test_a_retired_version_is_listed_but_not_offered(demo, admin: Client) -> None:
    version = _version("gpt-4.1-mini")
    ModelVersion.objects.filter(pk=version.pk).update(status=VersionStatus.RETIRED)
    response = admin.get(URL)
    azure = next(
        p["row"] for p in response.context["providers"] if p["row"].provider.kind == "azure_openai"
    )
    assert version in dict(azure.groups)["Retired"]
    assert version not in azure.offered


def test_an_unknown_provider_is_refused_and_said(demo, admin: Client) -> None:
    response = admin.post(URL + "instance/", {"provider": "999999", "model_version": "1"})
    assert response.status_code == 400
    assert "The target was not saved" in response.content.decode()
    assert not VersionOverride.objects.exists()
