"""A run started on a chosen prompt version (the Prompts page's Try it), against the sandbox."""

from __future__ import annotations

import pytest
from django.test import Client

from skills.choices import InvocationStatus, Source, VariantStatus
from skills.models import Invocation
from skills.services.errors import InputError
from skills.services.invocations import create_invocation, run_invocation
from skills.services.variants import create_draft
from tests.api.eager import eager_tasks
from tests.skills.conftest import World

__all__ = ["eager_tasks"]

pytestmark = pytest.mark.django_db

INPUT = {"short_description": "Mail server down"}


def test_it_runs_a_draft_in_place_of_the_published_version(live_world: World, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "elevated"
    draft = create_draft(live_world.variant)
    draft.template = "DRAFT PROMPT: {{ short_description }}"
    draft.save()
    created = create_invocation(live_world.skill.key, INPUT, variant=draft, publish=False)
    run = run_invocation(created.pk)
    assert run is not None
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    stored = Invocation.objects.get(pk=run.pk)
    assert stored.variant_id == draft.pk
    assert stored.rendered_prompt.startswith("DRAFT PROMPT: Mail server down")
    [step] = [s for s in stored.resolution_trace if "Prompts page" in s.get("reason", "")]
    assert step["value"] == f"default v{draft.version} (draft)"
    # the published version is still the one every other run uses
    other = run_invocation(create_invocation(live_world.skill.key, INPUT, publish=False).pk)
    assert other is not None
    assert other.variant_id == live_world.variant.pk


def test_it_refuses_a_variant_of_another_skill(live_world: World) -> None:
    from skills.models import Skill, SkillVariant

    other = Skill.objects.create(key="other_skill", name="Other", input_fields=[])
    foreign = SkillVariant.objects.create(skill=other, template="x")
    with pytest.raises(InputError):
        create_invocation(live_world.skill.key, INPUT, variant=foreign, publish=False)
    assert not Invocation.objects.exists()


@pytest.mark.usefixtures("eager_tasks")
def test_the_prompts_page_runs_a_draft_and_shows_the_answer(
    live_world: World, client: Client, admin_user, django_capture_on_commit_callbacks
) -> None:
    draft = create_draft(live_world.variant)
    client.force_login(admin_user)
    url = f"/skills/{live_world.skill.key}/prompts/{draft.pk}/run/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"short_description": "Mail server down"})
    assert response.status_code == 200
    run = Invocation.objects.get()
    assert (run.variant_id, run.source, run.requested_by) == (draft.pk, Source.UI, admin_user)
    body = response.content.decode()
    assert "rendered-prompt" in body
    # the run finished once the request committed; the result panel follows it live
    assert f'hx-get="/invocations/{run.pk}/live/"' in body
    run.refresh_from_db()
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    panel = client.get(f"/invocations/{run.pk}/live/").content.decode()
    # the answer, its tokens and the trace naming the draft are on the panel
    assert run.output.split("\n")[0] in panel
    assert f"{run.total_tokens} total" in panel
    assert f"default v{draft.version} (draft)" in panel
    draft.refresh_from_db()
    assert draft.status == VariantStatus.DRAFT


@pytest.mark.parametrize("who", ["auditor_user", "steward_user", "stranger"])
def test_only_roles_that_run_skills_run_a_version(live_world, client, request, who) -> None:
    client.force_login(request.getfixturevalue(who))
    url = f"/skills/{live_world.skill.key}/prompts/{live_world.variant.pk}/run/"
    assert client.post(url, INPUT).status_code == 403
    assert not Invocation.objects.exists()
