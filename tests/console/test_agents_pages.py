"""AI Agent Studio pages for real: create and edit an agent (field errors, never a crash), add
and remove tools, run one from the page against the sandbox and follow its live panel."""

from __future__ import annotations

import re

import pytest

from auditlog.models import AuditEvent
from skills.choices import InvocationStatus, StepKind, ToolKind
from skills.models import Agent, AgentRun, AgentTool
from tests.api.eager import eager_tasks  # noqa: F401 - fixture
from tests.providers.conftest import sandbox  # noqa: F401 - fixture
from tests.skills.test_agents import NOTE_GOAL, demo, note_agent  # noqa: F401 - fixture

AGENT = {
    "key": "helper",
    "name": "Helper",
    "role": "Answer questions about incidents.",
    "instructions": "Look records up before you answer.",
    "tier": "large",
    "max_steps": "5",
    "provider": "",
    "is_active": "on",
}


def test_the_list_says_what_to_do_when_there_is_no_agent(client, admin_user) -> None:
    client.force_login(admin_user)
    body = client.get("/agents/").content.decode()
    assert "No agents yet" in body
    assert "/agents/new/" in body


@pytest.mark.usefixtures("demo")
def test_it_creates_an_agent_and_shows_the_impact_of_its_provider(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/agents/new/", AGENT)
    assert response.status_code == 302
    assert response["Location"] == "/agents/helper/"
    agent = Agent.objects.get(key="helper")
    assert (agent.provider, agent.max_steps) == (None, 5)
    event = AuditEvent.objects.get(object_type="skills.agent", object_id=str(agent.pk))
    assert event.actor == admin_user
    page = client.get("/agents/helper/").content.decode()
    assert "Its model steps would use" in page
    assert "instance default" in page
    listing = client.get("/agents/").content.decode()
    assert "Helper" in listing
    assert "instance default" in listing


@pytest.mark.usefixtures("demo")
def test_it_answers_field_errors_and_saves_nothing(client, admin_user) -> None:
    client.force_login(admin_user)
    before = Agent.objects.count()
    response = client.post("/agents/new/", {**AGENT, "key": "not a slug", "max_steps": "99"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count('class="error"') >= 2
    assert Agent.objects.count() == before


@pytest.mark.usefixtures("demo")
def test_editing_to_an_unusable_provider_shows_why_its_steps_cannot_run(client, admin_user):
    note_agent()
    client.force_login(admin_user)
    response = client.post("/agents/note_taker/", {**AGENT, "key": "note_taker", "tier": "x"})
    assert response.status_code == 400
    client.post("/agents/note_taker/", {**AGENT, "key": "note_taker", "is_active": ""})
    page = client.get("/agents/note_taker/").content.decode()
    assert "cannot run" in page
    assert "inactive" in page


@pytest.mark.usefixtures("demo")
def test_it_adds_and_removes_tools(client, admin_user) -> None:
    agent = note_agent()
    client.force_login(admin_user)
    tool = {"kind": ToolKind.GET_RECORD, "name": "get_record", "description": "Read a record."}
    assert client.post("/agents/note_taker/tools/", tool).status_code == 302
    added = AgentTool.objects.get(agent=agent, name="get_record")
    assert added.parameters["required"] == ["number"]
    # the same name twice, a skill tool without its skill or with an unknown one: field errors
    assert client.post("/agents/note_taker/tools/", tool).status_code == 400
    skill_tool = {"kind": ToolKind.RUN_SKILL, "name": "summarise", "description": "Summarise."}
    for skill in ("", "no_such_skill"):
        response = client.post("/agents/note_taker/tools/", {**skill_tool, "skill": skill})
        assert response.status_code == 400
        assert 'class="error"' in response.content.decode()
    response = client.post(
        "/agents/note_taker/tools/", {**skill_tool, "skill": "incident_summarization"}
    )
    assert response.status_code == 302
    assert AgentTool.objects.get(name="summarise").config == {
        "allowed_skills": ["incident_summarization"]
    }
    remove = client.post(f"/agents/note_taker/tools/{added.pk}/remove/")
    assert remove.status_code == 302
    assert not AgentTool.objects.filter(pk=added.pk).exists()


@pytest.mark.usefixtures("demo", "eager_tasks")
def test_it_runs_from_the_page_and_the_live_panel_shows_steps_and_outbound(
    client, admin_user, django_capture_on_commit_callbacks
) -> None:
    note_agent()
    client.force_login(admin_user)
    assert client.post("/agents/note_taker/run/", {"goal": " "}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/agents/note_taker/run/", {"goal": NOTE_GOAL})
    assert response.status_code == 200
    run = AgentRun.objects.get()
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    live = client.get(f"/agents/runs/{run.pk}/live/").content.decode()
    assert "hx-get" not in live  # finished: the panel stops asking
    assert "update_record" in live
    assert "INC0010001" in live
    outbound = run.outbound_requests.values_list("pk", flat=True)
    links = set(re.findall(r'href="/validation/(\d+)/"', live))
    assert links == {str(pk) for pk in outbound}
    assert links
    assert run.output[:20] in live
    assert run.steps.filter(kind=StepKind.MODEL_CALL).count() == 2


@pytest.mark.usefixtures("demo")
def test_an_unfinished_run_keeps_asking(client, admin_user, operator_user) -> None:
    note_agent()
    client.force_login(operator_user)
    response = client.post("/agents/note_taker/run/", {"goal": NOTE_GOAL})
    assert response.status_code == 200  # answered at once, the run still queued
    run = AgentRun.objects.get()
    assert f'hx-get="/agents/runs/{run.pk}/live/"' in response.content.decode()
    assert 'hx-trigger="load delay:500ms"' in response.content.decode()


@pytest.mark.usefixtures("demo", "eager_tasks")
def test_the_live_panel_shows_a_failed_tool_and_the_error(
    client, admin_user, django_capture_on_commit_callbacks
) -> None:
    note_agent()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/agents/note_taker/run/", {"goal": 'Append to "INC9999999": "x".'})
    run = AgentRun.objects.get()
    live = client.get(f"/agents/runs/{run.pk}/live/").content.decode()
    assert "tool_failed" in live
    assert "Tool update_record failed" in live


@pytest.mark.usefixtures("demo")
def test_roles(client, auditor_user, operator_user) -> None:
    note_agent()
    client.force_login(operator_user)
    assert client.post("/agents/note_taker/", AGENT).status_code == 403
    assert client.post("/agents/note_taker/tools/", {}).status_code == 403
    page = client.get("/agents/note_taker/").content.decode()
    assert "Add a tool" not in page
    assert "/agents/note_taker/run/" in page
    client.force_login(auditor_user)
    assert client.get("/agents/").status_code == 403
    assert client.post("/agents/note_taker/run/", {"goal": "x"}).status_code == 403
