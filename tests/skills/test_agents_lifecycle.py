"""Agent run lifecycle and edges: publish on commit, the task claiming once, tool errors fed
back to the model, the sweeper, cancellation, and the run_agent command."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from providers.choices import ProviderKind
from skills.choices import InvocationStatus, Source, StepKind, ToolKind
from skills.models import AgentRun, AgentStep, AgentTool, Record
from skills.services import lifecycle
from skills.services.agents import cancel_agent_run, create_agent_run, run_agent
from skills.services.agents.tools import execute
from skills.services.errors import InputError
from skills.tasks import run_agent_run_task
from tests.skills.test_agents import NOTE_GOAL, demo, note_agent  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("demo")


def test_it_writes_the_row_and_publishes_only_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    with django_capture_on_commit_callbacks() as callbacks:
        run = create_agent_run("note_taker", NOTE_GOAL, source=Source.API)
        assert AgentRun.objects.filter(pk=run.pk, status=InvocationStatus.QUEUED).exists()
    assert len(callbacks) == 1
    assert run.enqueue_count == 1


def test_it_refuses_an_unknown_agent_or_an_empty_goal() -> None:
    note_agent()
    with pytest.raises(InputError, match="Unknown agent 'nope'"):
        create_agent_run("nope", "x")
    with pytest.raises(InputError, match="goal is empty"):
        create_agent_run("note_taker", "   ")
    assert not AgentRun.objects.exists()


def test_it_runs_a_delivered_task_once_however_often_it_arrives(
    django_capture_on_commit_callbacks,
) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    with django_capture_on_commit_callbacks():
        run = create_agent_run("note_taker", NOTE_GOAL)
    run_agent_run_task.apply(args=[str(run.pk)])
    run_agent_run_task.apply(args=[str(run.pk)])
    run.refresh_from_db()
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    assert AgentStep.objects.filter(run=run).count() == 3
    notes = Record.objects.get(number="INC0010001").fields["work_notes"]
    assert notes.count("[agent note_taker]") == 1


def test_it_ignores_a_malformed_or_unknown_run_id() -> None:
    assert run_agent("not-a-uuid") is None
    assert run_agent("8b0f7c55-0000-4000-8000-000000000000") is None


def test_it_feeds_invalid_arguments_back_as_a_tool_error() -> None:
    agent = note_agent(ProviderKind.GOOGLE_GEMINI)
    tool = AgentTool.objects.get(agent=agent)
    schema = dict(tool.parameters)
    schema["properties"] = {**schema["properties"], "number": {"type": "string", "pattern": "^X"}}
    tool.parameters = schema
    tool.save()
    run = run_agent(create_agent_run("note_taker", NOTE_GOAL, publish=False).pk)
    tool_step = run.steps.get(kind=StepKind.TOOL_CALL)
    assert not tool_step.ok
    assert "Invalid arguments for update_record: number:" in tool_step.response["error"]
    # The model read the error but answered without a successful retry: the run failed.
    assert (run.status, run.error_code) == (InvocationStatus.FAILED, "tool_failed")
    assert "[agent note_taker]" not in Record.objects.get(number="INC0010001").fields["work_notes"]


def test_it_answers_an_unknown_tool_with_the_tools_on_offer() -> None:
    agent = note_agent()
    run = create_agent_run("note_taker", NOTE_GOAL, publish=False)
    outcome = execute({t.name: t for t in agent.tools.all()}, "drop_tables", {}, run)
    assert (outcome.ok, outcome.result) == (
        False,
        {"error": "Unknown tool 'drop_tables'; this agent's tools are: update_record."},
    )


def test_it_caps_search_results_and_ranks_the_best_match_first() -> None:
    agent = note_agent()
    tool = AgentTool.objects.create(
        agent=agent, name="search_records", kind=ToolKind.SEARCH_RECORDS, description="Search."
    )
    run = create_agent_run("note_taker", NOTE_GOAL, publish=False)
    tools = {tool.name: tool}
    outcome = execute(tools, "search_records", {"query": "VPN Lisbon", "limit": 50}, run)
    assert outcome.ok is False  # 50 breaks the schema's maximum
    outcome = execute(tools, "search_records", {"query": "VPN Lisbon office", "limit": 2}, run)
    assert [r["number"] for r in outcome.result["records"]][:1] == ["INC0010002"]
    assert outcome.result["count"] == 2
    tool.config = {"max_results": 1}
    outcome = execute(tools, "search_records", {"query": "VPN Lisbon office", "limit": 3}, run)
    assert outcome.result["count"] == 1


def test_it_republishes_stuck_runs_and_fails_them_after_too_many(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.SKILLS_MAX_ENQUEUES = 3
    note_agent()
    old = timezone.now() - timedelta(hours=1)
    lost, dead, fresh, hopeless = (
        create_agent_run("note_taker", NOTE_GOAL, publish=False) for _ in range(4)
    )
    AgentRun.objects.filter(pk=lost.pk).update(enqueued_at=old, enqueue_count=1)
    AgentRun.objects.filter(pk=dead.pk).update(
        status=InvocationStatus.RUNNING, heartbeat_at=old, enqueued_at=old, enqueue_count=1
    )
    AgentRun.objects.filter(pk=fresh.pk).update(enqueued_at=timezone.now(), enqueue_count=1)
    AgentRun.objects.filter(pk=hopeless.pk).update(enqueued_at=old, enqueue_count=3)
    with django_capture_on_commit_callbacks() as callbacks:
        report = lifecycle.sweep(AgentRun)
    assert (report.requeued, report.failed) == (2, 1)
    assert len(callbacks) == 2
    hopeless.refresh_from_db()
    assert (hopeless.status, hopeless.error_code) == (InvocationStatus.FAILED, "abandoned")


def test_it_takes_over_a_run_whose_worker_stopped_but_not_a_live_one() -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    dead = create_agent_run("note_taker", NOTE_GOAL, publish=False)
    live = create_agent_run("note_taker", NOTE_GOAL, publish=False)
    old = timezone.now() - timedelta(hours=1)
    AgentRun.objects.filter(pk=dead.pk).update(
        status=InvocationStatus.RUNNING, claimed_by="gone", heartbeat_at=old
    )
    AgentRun.objects.filter(pk=live.pk).update(
        status=InvocationStatus.RUNNING, claimed_by="busy", heartbeat_at=timezone.now()
    )
    assert run_agent(live.pk) is None
    assert run_agent(dead.pk).status == InvocationStatus.SUCCEEDED
    assert not AgentStep.objects.filter(run=live).exists()


def test_it_cancels_a_queued_run_so_no_worker_runs_it() -> None:
    note_agent()
    run = create_agent_run("note_taker", NOTE_GOAL, publish=False)
    assert cancel_agent_run(run.pk)
    assert run_agent(run.pk) is None
    assert not AgentStep.objects.filter(run=run).exists()


def test_the_command_runs_an_agent_and_prints_the_run_as_json(capsys) -> None:
    note_agent(ProviderKind.AWS_BEDROCK)
    call_command("run_agent", "note_taker", "--goal", NOTE_GOAL, "--json")
    view = json.loads(capsys.readouterr().out)
    assert view["status"] == InvocationStatus.SUCCEEDED
    assert [s["kind"] for s in view["steps"]] == ["model_call", "tool_call", "model_call"]
    assert len(view["outbound_request_ids"]) == 2


def test_the_command_exits_with_one_line_on_failure() -> None:
    note_agent(ProviderKind.AZURE_OPENAI, max_steps=1)
    with pytest.raises(CommandError, match=r"^max_steps: Agent note_taker reached"):
        call_command("run_agent", "note_taker", "--goal", NOTE_GOAL)
    with pytest.raises(CommandError, match="Unknown agent 'nope'"):
        call_command("run_agent", "nope", "--goal", "x")


def test_the_command_queues_with_async(capsys, django_capture_on_commit_callbacks) -> None:
    note_agent()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("run_agent", "note_taker", "--goal", NOTE_GOAL, "--async")
    run = AgentRun.objects.get()
    assert capsys.readouterr().out.strip() == f"Queued agent run {run.pk}."
    assert (run.status, run.source, len(callbacks)) == (InvocationStatus.QUEUED, "cli", 1)
