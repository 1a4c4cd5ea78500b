"""AI agent runs for real: the loop against the sandbox on every provider route the demo maps,
the built-in tools' effects, step and outbound records, and how a run fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.adapters import clear_cache
from providers.choices import ProviderKind
from providers.models import AliasMapping, Connection, Provider
from providers.outbound.models import OutboundRequest
from sandbox import defaults as sandbox_defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from skills.choices import InvocationStatus, StepKind, ToolKind
from skills.models import Agent, AgentStep, AgentTool, Invocation, Record
from skills.services.agents import run_agent_now
from skills.services.agents.tools import DEFAULT_PARAMETERS

NOTE = "Caller was called back"
NOTE_GOAL = f'Append a work note to record "INC0010001": "{NOTE}".'

# Every chat route of the demo: the four BYOK providers and the instance default (OEM).
ROUTES = [
    (ProviderKind.AZURE_OPENAI, "byok", "contoso-azure"),
    (ProviderKind.AWS_BEDROCK, "byok", "contoso-bedrock"),
    (ProviderKind.GOOGLE_GEMINI, "byok", "contoso-gemini"),
    (ProviderKind.GENERIC_LLM, "byok", "contoso-generic"),
    (None, "oem", "platform-now-llm"),
]


@pytest.fixture
def demo(db: None, sandbox: SandboxServer, settings: Any) -> Any:
    settings.SKILLS_BACKOFF_BASE = 0.01
    settings.SKILLS_BACKOFF_CAP = 0.05
    clear_cache()
    seed_demo(sandbox.url)
    yield sandbox
    clear_cache()
    sandbox.clear_faults()


def note_agent(provider_kind: str | None = None, **fields: Any) -> Agent:
    """An agent whose only tool appends work notes, so the sandbox always picks it."""
    provider = Provider.objects.get(kind=provider_kind) if provider_kind else None
    agent = Agent.objects.create(
        key="note_taker",
        name="Note taker",
        role="Keep incident work notes up to date.",
        instructions="Append the work note you are asked for with update_record.",
        provider=provider,
        **fields,
    )
    AgentTool.objects.create(
        agent=agent,
        name="update_record",
        kind=ToolKind.UPDATE_RECORD,
        description="Append a work note to a record.",
        parameters=DEFAULT_PARAMETERS[ToolKind.UPDATE_RECORD],
    )
    return agent


@pytest.mark.parametrize(("provider_kind", "route", "connection"), ROUTES)
def test_it_runs_the_loop_on_each_demo_route(demo, provider_kind, route, connection) -> None:
    note_agent(provider_kind)
    run = run_agent_now("note_taker", NOTE_GOAL)
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    assert list(run.steps.values_list("kind", "tool_name", "ok")) == [
        (StepKind.MODEL_CALL, "", True),
        (StepKind.TOOL_CALL, "update_record", True),
        (StepKind.MODEL_CALL, "", True),
    ]
    assert (run.route, run.connection.name) == (route, connection)
    assert run.output.startswith("Based on the update_record result")
    # Vertex AI also exchanges its service account for a token (purpose "token").
    assert OutboundRequest.objects.filter(agent_run_id=run.pk, purpose="agent").count() == 2


def test_it_appends_the_work_note_through_update_record(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    before = Record.objects.get(number="INC0010001").fields["work_notes"]
    run = run_agent_now("note_taker", NOTE_GOAL)
    notes = Record.objects.get(number="INC0010001").fields["work_notes"]
    assert notes.startswith(before)
    assert notes.splitlines()[-1].endswith(f"[agent note_taker] {NOTE}")
    assert run.steps.get(index=2).response["number"] == "INC0010001"


def test_it_totals_tokens_over_the_model_steps(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    run = run_agent_now("note_taker", NOTE_GOAL)
    steps = AgentStep.objects.filter(run=run, kind=StepKind.MODEL_CALL)
    assert run.prompt_tokens == sum(s.prompt_tokens for s in steps) > 0
    assert run.completion_tokens == sum(s.completion_tokens for s in steps) > 0


def test_it_feeds_the_tool_result_back_to_the_model(demo) -> None:
    note_agent(ProviderKind.AWS_BEDROCK)
    run = run_agent_now("note_taker", NOTE_GOAL)
    second = run.steps.get(index=3).request["messages"]
    assert [m["role"] for m in second] == ["assistant", "tool"]
    assert "appended_work_note" in second[1]["content"]


def test_it_never_stores_a_secret_in_steps_or_trace(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    run = run_agent_now("note_taker", NOTE_GOAL)
    dumped = json.dumps(
        [list(run.steps.values("request", "response")), run.resolution_trace], default=str
    )
    assert sandbox_defaults.AZURE_DEFAULT_KEY not in dumped


def test_it_fails_cleanly_when_max_steps_is_reached(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI, max_steps=1)
    run = run_agent_now("note_taker", NOTE_GOAL)
    assert (run.status, run.error_code) == (InvocationStatus.FAILED, "max_steps")
    assert "limit of 1 model step" in run.error_message
    assert list(run.steps.values_list("kind", flat=True)) == [StepKind.MODEL_CALL]


def test_it_fails_naming_the_broken_link(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    AliasMapping.objects.filter(alias__key="gpt_large").delete()
    run = run_agent_now("note_taker", NOTE_GOAL)
    assert (run.status, run.error_code) == (InvocationStatus.FAILED, "no_alias_mapping")
    assert "map alias gpt_large on Model aliases" in run.error_message
    assert run.resolution_trace[-1]["step"] == "error"


def test_it_retries_a_throttled_model_call(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    demo.set_faults("azure_openai", kind="throttle", fail_next=1, retry_after_s=0.01)
    run = run_agent_now("note_taker", NOTE_GOAL)
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    rows = OutboundRequest.objects.filter(agent_run_id=run.pk).order_by("created_at", "id")
    assert [r.status_code for r in rows] == [429, 200, 200]


def test_it_runs_the_sample_triage_agent_with_its_skill_tool(demo) -> None:
    triage = Agent.objects.get(key="incident_triage")
    AgentTool.objects.filter(agent=triage).exclude(kind=ToolKind.RUN_SKILL).delete()
    run = run_agent_now("incident_triage", 'Run a skill on "INC0010001".')
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    tool_step = run.steps.get(kind=StepKind.TOOL_CALL)
    assert tool_step.ok, tool_step.response
    invocation = Invocation.objects.get(pk=tool_step.response["invocation"])
    assert (invocation.status, invocation.source) == (InvocationStatus.SUCCEEDED, "agent")


def test_it_fails_at_once_on_a_permanent_provider_error_without_the_key(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    conn = Connection.objects.get(name="contoso-azure")
    conn.set_secrets({"api_key": "sandbox-wrong-key-000000000"})
    conn.save()
    run = run_agent_now("note_taker", NOTE_GOAL)
    assert (run.status, run.error_code, run.attempts) == (
        InvocationStatus.FAILED,
        "provider_auth",
        1,
    )
    assert run.error_message.startswith("Model step 1: ")
    step = run.steps.get()
    assert (step.kind, step.ok) == (StepKind.MODEL_CALL, False)
    assert "sandbox-wrong-key" not in json.dumps([run.error_message, step.response])


def test_it_runs_skills_as_the_user_who_started_the_run(demo, operator_user) -> None:
    triage = Agent.objects.get(key="incident_triage")
    AgentTool.objects.filter(agent=triage).exclude(kind=ToolKind.RUN_SKILL).delete()
    run = run_agent_now("incident_triage", 'Run a skill on "INC0010001".', user=operator_user)
    invocation = Invocation.objects.get(pk=run.steps.get(index=2).response["invocation"])
    assert (run.requested_by, invocation.requested_by) == (operator_user, operator_user)


def test_it_fails_when_a_tool_failed_and_the_agent_answered_without_recovering(demo) -> None:
    note_agent(ProviderKind.AZURE_OPENAI)
    run = run_agent_now("note_taker", 'Append a work note to record "INC9999999": "x".')
    assert (run.status, run.error_code) == (InvocationStatus.FAILED, "tool_failed")
    assert run.error_message.startswith("Tool update_record failed")
    assert "INC9999999" in run.error_message
    assert list(run.steps.values_list("kind", "ok")) == [
        (StepKind.MODEL_CALL, True),
        (StepKind.TOOL_CALL, False),
        (StepKind.MODEL_CALL, True),
    ]
    assert run.output  # the model's answer is kept, to show what it said
