"""AI Agent Studio: what the console's Agents pages need beyond the models themselves.

Saving an agent or a tool goes through the models' `full_clean` (field errors, never a crash);
the impact note resolves the agent as its model steps would; a run's live view groups each
model step with the outbound requests it sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from providers.outbound.models import OutboundRequest
from skills.choices import StepKind, ToolKind
from skills.models import Agent, AgentRun, AgentStep, AgentTool, Skill
from skills.services.agents.resolution import resolve_agent
from skills.services.agents.tools import DEFAULT_PARAMETERS
from skills.services.errors import ResolutionError


@dataclass
class Impact:
    """Which provider, connection and model the agent's model steps would use, or why none."""

    trace: list[dict] = field(default_factory=list)
    provider: str = ""
    connection: str = ""
    model: str = ""
    error: str = ""


def agent_impact(agent: Agent) -> Impact:
    """Resolve the agent (saved or not) without sending anything."""
    trace: list[dict] = []
    try:
        resolved = resolve_agent(agent, trace=trace)
    except ResolutionError as exc:
        return Impact(trace=exc.trace, error=exc.message)
    return Impact(
        trace=resolved.trace,
        provider=resolved.provider.name,
        connection=resolved.connection.name,
        model=resolved.model,
    )


def save_agent(agent: Agent) -> Agent:
    """Validate (raises ValidationError with field errors) and save."""
    agent.full_clean()
    agent.save()
    return agent


def add_tool(agent: Agent, *, kind: str, name: str, description: str, skill: str = "") -> AgentTool:
    """A built-in tool with its kind's default parameters; a skill tool names its skill."""
    config: dict[str, Any] = {}
    if kind == ToolKind.RUN_SKILL:
        if not skill:
            raise ValidationError({"skill": "A skill tool needs the key of the skill it runs."})
        if not Skill.objects.filter(key=skill).exists():
            raise ValidationError({"skill": f"Unknown skill {skill!r}; see the Skills page."})
        config["allowed_skills"] = [skill]
    elif skill:
        raise ValidationError({"skill": "Only a skill tool names a skill."})
    tool = AgentTool(
        agent=agent,
        kind=kind,
        name=name,
        description=description,
        parameters=DEFAULT_PARAMETERS.get(kind, {}),
        config=config,
    )
    tool.full_clean()
    with transaction.atomic():
        tool.save()
        agent.save(update_fields=["updated_at"])
    return tool


def remove_tool(tool: AgentTool) -> None:
    agent = tool.agent
    with transaction.atomic():
        tool.delete()
        agent.save(update_fields=["updated_at"])


@dataclass
class LiveStep:
    step: AgentStep
    outbound: list[OutboundRequest]

    @property
    def arguments(self) -> str:
        return json.dumps(self.step.request.get("arguments"), ensure_ascii=False, default=str)

    @property
    def result(self) -> str:
        return json.dumps(self.step.response, ensure_ascii=False, default=str)


def run_steps(run: AgentRun) -> tuple[list[LiveStep], list[OutboundRequest]]:
    """The run's steps in order, each model call with the outbound rows it sent.

    A step row is written once its call is over, so a model step's rows are those written
    after the previous step and before it; rows after the last step (a call in flight) are
    returned apart, so none is hidden.
    """
    outbound = list(
        OutboundRequest.objects.filter(agent_run_id=run.pk).order_by("created_at", "id")
    )
    steps: list[LiveStep] = []
    pending = iter(outbound)
    row = next(pending, None)
    for step in run.steps.order_by("index"):
        rows: list[OutboundRequest] = []
        if step.kind == StepKind.MODEL_CALL:
            while row is not None and row.created_at <= step.created_at:
                rows.append(row)
                row = next(pending, None)
        steps.append(LiveStep(step=step, outbound=rows))
    rest = [row, *pending] if row is not None else []
    return steps, rest
