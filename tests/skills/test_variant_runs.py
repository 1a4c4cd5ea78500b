"""A run started on a chosen prompt version (the Prompts page's Try it), against the sandbox."""

from __future__ import annotations

import pytest

from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services.errors import InputError
from skills.services.invocations import create_invocation, run_invocation
from skills.services.variants import create_draft
from tests.skills.conftest import World

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
