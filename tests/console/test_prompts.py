"""The Prompts pages of a skill: drafts, their checks, publish, roll back, diffs, Try it."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from console.services.catalog import seed_catalog
from skills.choices import VariantStatus
from skills.models import Record, SkillVariant

pytestmark = pytest.mark.django_db

KEY = "incident_summarization"
BASE = f"/skills/{KEY}/prompts/"


@pytest.fixture
def live() -> SkillVariant:
    seed_catalog()
    return SkillVariant.objects.get(skill__key=KEY, status=VariantStatus.PUBLISHED)


@pytest.fixture
def admin(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


def _draft(admin: Client, live: SkillVariant) -> SkillVariant:
    response = admin.post(f"{BASE}draft/", {"source": live.pk})
    assert response.status_code == 302
    return SkillVariant.objects.get(skill__key=KEY, status=VariantStatus.DRAFT)


def _fields(variant: SkillVariant, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "system_prompt": variant.system_prompt,
        "template": variant.template,
        "temperature": str(variant.temperature),
        "max_tokens": variant.max_tokens,
        "response_format": variant.response_format,
        "notes": "",
    }
    data.update(changes)
    return data


def test_it_lists_the_variants_with_provider_version_status_and_default(admin, live) -> None:
    body = admin.get(BASE).content.decode()
    assert f"{BASE}{live.pk}/" in body
    assert "any provider" in body
    assert f"v{live.version}" in body
    assert "Published" in body
    assert "Default" in body


def test_it_says_what_to_do_when_a_skill_has_no_variant(admin, live) -> None:
    SkillVariant.objects.filter(skill__key=KEY).delete()
    assert "has no prompt variant yet" in admin.get(BASE).content.decode()


def test_it_creates_a_draft_copying_the_published_version(admin, admin_user, live) -> None:
    draft = _draft(admin, live)
    assert draft.version == live.version + 1
    assert draft.template == live.template
    assert draft.system_prompt == live.system_prompt
    assert not draft.is_default
    assert draft.created_by == admin_user
    # a second request opens the same draft rather than forking another, and says so
    assert _draft(admin, live).pk == draft.pk
    page = admin.get(f"{BASE}{draft.pk}/").content.decode()
    assert f"Draft v{draft.version} is already open" in page


def test_it_saves_a_draft_and_leaves_the_published_version_alone(admin, live) -> None:
    draft = _draft(admin, live)
    url = f"{BASE}{draft.pk}/"
    response = admin.post(url, _fields(draft, template="Summarize: {{ description }}"))
    assert response.status_code == 302
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.template == "Summarize: {{ description }}"
    assert live.template != draft.template


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"template": "Summarize {{ nonsense }}"}, "template"),
        ({"template": "Summarize {{ user.password }}"}, "template"),
        ({"system_prompt": "Be {{ tone }}"}, "system_prompt"),
        ({"temperature": "2.5"}, "temperature"),
        ({"max_tokens": "0"}, "max_tokens"),
        ({"max_tokens": "200001"}, "max_tokens"),
    ],
)
def test_it_answers_a_bad_draft_with_field_errors(admin, live, changes, field) -> None:
    draft = _draft(admin, live)
    before = draft.template
    response = admin.post(f"{BASE}{draft.pk}/", _fields(draft, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.template == before


def test_it_refuses_to_edit_a_published_version(admin, live) -> None:
    response = admin.post(f"{BASE}{live.pk}/", _fields(live, template="Changed {{ description }}"))
    assert response.status_code == 400
    live.refresh_from_db()
    assert "Changed" not in live.template


def test_it_lists_the_variables_and_flags_unknown_ones(admin, live) -> None:
    draft = _draft(admin, live)
    SkillVariant.objects.filter(pk=draft.pk).update(
        template="{{ description }} {{ record.short_description }} {{ record.zzz }} {{ ghost }}"
    )
    body = admin.get(f"{BASE}{draft.pk}/").content.decode()
    variables = {v.placeholder: v for v in admin.get(f"{BASE}{draft.pk}/").context["variables"]}
    assert variables["{{ description }}"].source == "input"
    assert variables["{{ record.short_description }}"].source == "record"
    assert variables["{{ record.zzz }}"].source == "unknown"
    assert not variables["{{ record.zzz }}"].error
    assert variables["{{ ghost }}"].error
    assert "neither an input of the skill nor a record field" in body


def test_it_shows_the_diff_from_the_published_version(admin, live) -> None:
    draft = _draft(admin, live)
    first_line = live.template.splitlines()[0]
    new_template = live.template.replace(first_line, "A brand new first line {{ description }}")
    admin.post(f"{BASE}{draft.pk}/", _fields(draft, template=new_template, temperature="0.90"))
    body = admin.get(f"{BASE}{draft.pk}/").content.decode()
    assert '<table class="diff">' in body
    assert '<ins><span class="visually-hidden">Added: </span>A brand new first line' in body
    assert f'<del><span class="visually-hidden">Removed: </span>{first_line}' in body
    assert "0.90</ins>" in body
    # a version identical to the published one says so
    archived = SkillVariant.objects.get(pk=live.pk)
    assert "Same as the published version" not in body
    assert "This is the published version" in admin.get(f"{BASE}{archived.pk}/").content.decode()


def test_it_publishes_a_draft_and_rolls_back_to_the_archived_version(admin, live) -> None:
    draft = _draft(admin, live)
    admin.post(f"{BASE}{draft.pk}/", _fields(draft, template="New {{ description }}"))
    assert admin.post(f"{BASE}{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.status, draft.is_default) == (VariantStatus.PUBLISHED, True)
    assert live.status == VariantStatus.ARCHIVED
    assert AuditEvent.objects.filter(object_type__icontains="variant", source="ui").exists()

    assert admin.post(f"{BASE}{live.pk}/rollback/").status_code == 302
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (live.status, live.is_default) == (VariantStatus.PUBLISHED, True)
    assert draft.status == VariantStatus.ARCHIVED


def test_it_refuses_to_publish_what_is_not_a_draft(admin, live) -> None:
    response = admin.post(f"{BASE}{live.pk}/publish/")
    assert response.status_code == 400
    assert "Only a draft variant can be used to publish" in response.content.decode()
    live.refresh_from_db()
    assert live.status == VariantStatus.PUBLISHED


def test_it_renders_a_version_on_a_sample_input_and_record(admin, live) -> None:
    draft = _draft(admin, live)
    SkillVariant.objects.filter(pk=draft.pk).update(
        system_prompt="Sys", template="D={{ description }} R={{ record.short_description }}"
    )
    record = Record.objects.filter(kind="incident").first()
    assert record is not None
    response = admin.post(
        f"{BASE}{draft.pk}/try/",
        {"short_description": "s", "description": "Printer on fire", "record": record.pk},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f"D=Printer on fire R={record.short_description}" in body
    assert "Sys" in body


def test_it_shows_why_a_sample_cannot_be_rendered(admin, live) -> None:
    response = admin.post(f"{BASE}{live.pk}/try/", {"description": "x"})
    assert response.status_code == 400
    assert "short_description is required" in response.content.decode()


@pytest.mark.parametrize("who", ["operator_user", "auditor_user", "steward_user", "stranger"])
def test_only_administrators_change_prompts(client, request, live, who) -> None:
    client.force_login(request.getfixturevalue(who))
    draft = SkillVariant.objects.create(
        skill=live.skill, name=live.name, version=live.version + 1, template="{{ description }}"
    )
    assert client.post(f"{BASE}draft/", {"source": live.pk}).status_code == 403
    assert client.post(f"{BASE}{draft.pk}/", _fields(draft)).status_code == 403
    assert client.post(f"{BASE}{draft.pk}/publish/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == VariantStatus.DRAFT


def test_an_operator_reads_and_tries_but_sees_no_editor(client, operator_user, live) -> None:
    client.force_login(operator_user)
    draft = SkillVariant.objects.create(
        skill=live.skill, name=live.name, version=live.version + 1, template="{{ description }}"
    )
    response = client.get(f"{BASE}{draft.pk}/")
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "/publish/" not in response.content.decode()
    tried = client.post(f"{BASE}{draft.pk}/try/", {"short_description": "a", "description": "b"})
    assert tried.status_code == 200
    assert "rendered-prompt" in tried.content.decode()


def test_it_answers_404_for_a_variant_of_another_skill(admin, live) -> None:
    assert admin.get(f"/skills/sentiment_analysis/prompts/{live.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"template": "Hi {{ ghost }}"}, "template"), ({"temperature": "2.5"}, "temperature")],
)
def test_the_api_answers_a_bad_variant_with_the_same_field_errors(
    client, admin_user, live, changes, field
) -> None:
    client.force_login(admin_user)
    body = {"skill": KEY, "template": "{{ description }}", "name": "api"} | changes
    response = client.post("/api/v1/skill-variants/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not SkillVariant.objects.filter(name="api").exists()
