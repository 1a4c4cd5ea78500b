"""The agent loop: model call → tool calls → model call … until a text answer or max_steps.

The model sees system = role + instructions, the goal as the user message and the agent's
tools; each tool call it asks for runs server-side (tools.py) and its result goes back as a
tool message. Every model call and every tool call is an `AgentStep` row written as it
happens, so a run in progress can be watched and a failed one explained. Provider errors are
retried like a skill's (same budget, backoff and outbound capture, attributed to the run).
Claim, heartbeat, the ownership check at each step and the finishing write are the lifecycle
invocations share (`skills.services.lifecycle`); this module is only the loop.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core import unitofwork
from core.errors import ErrorCode
from providers.adapters.base import ChatRequest, ChatResult, Message, ToolSpec
from providers.choices import Purpose
from skills.choices import InvocationStatus, StepKind
from skills.models import AgentRun, AgentStep, AgentTool
from skills.services import budgets, governance, lifecycle
from skills.services.agents import tools
from skills.services.agents.resolution import AgentResolution, resolve_agent
from skills.services.errors import ResolutionError, SkillError
from skills.services.execution import Budget, call_route, describe_error, error_code

logger = logging.getLogger(__name__)

TOOL_RESULT_MAX_CHARS = 16_000
#: A model step's worst case for budgets when the agent sets no output limit.
AGENT_STEP_TOKENS = 4096


class Stopped(Exception):
    """The run was cancelled or taken over by another worker: stop quietly."""


@dataclass
class Loop:
    """What one run of the loop learned; written on the run in one UPDATE at the end."""

    run: AgentRun
    token: str
    status: str = InvocationStatus.SUCCEEDED
    fields: dict[str, Any] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)
    index: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    gate: governance.Gate | None = None
    #: Tools whose last call failed, by name → its error; a later successful call of the
    #: same tool removes it (the agent recovered).
    unrecovered: dict[str, str] = field(default_factory=dict)

    def fail(self, code: ErrorCode, message: str) -> None:
        self.status = InvocationStatus.FAILED
        self.fields.update(error_code=code, error_message=message)

    def still_owned(self) -> bool:
        return lifecycle.still_owned(self.run, self.token)

    def step(self, kind: str, **values: Any) -> AgentStep:
        if not self.still_owned():
            raise Stopped
        self.index += 1
        return AgentStep.objects.create(run=self.run, index=self.index, kind=kind, **values)


def run_agent(run_id: uuid.UUID | str) -> AgentRun | None:
    """Run one agent run if this call wins the claim; otherwise return None quietly.

    In a unit of work, as a skill invocation: the claim commits with the first write, each
    model call's outcome with the next one.
    """
    token = lifecycle.new_token()
    with unitofwork.unit_of_work():
        run = lifecycle.claim(AgentRun, run_id, token)
        if run is None:
            return None
        return _run_claimed(run, token)


def _run_claimed(run: AgentRun, token: str) -> AgentRun:
    last = AgentStep.objects.filter(run=run).order_by("-index").first()
    loop = Loop(run=run, token=token, index=last.index if last else 0)
    try:
        with lifecycle.beating(run, token):
            _loop(loop)
    except Stopped:
        run.refresh_from_db()
        return run
    except SkillError as exc:  # a governance control refused or failed: nothing more is sent
        loop.fail(ErrorCode(exc.code), exc.message)
    except unitofwork.DATABASE_UNAVAILABLE:
        # Nothing was sent that is not in the outbound log: another delivery runs it again.
        lifecycle.release(run, token)
        return run
    except Exception:
        logger.exception("agent run %s failed unexpectedly", run.pk)
        loop.fail(
            ErrorCode.INTERNAL,
            "Unexpected error while running the agent; the worker log has details.",
        )
    loop.fields.update(
        resolution_trace=loop.trace,
        prompt_tokens=loop.prompt_tokens,
        completion_tokens=loop.completion_tokens,
        attempts=loop.attempts,
    )
    lifecycle.finish(run, token, loop.status, loop.fields)
    return run


def _loop(loop: Loop) -> None:
    run, agent = loop.run, loop.run.agent
    try:
        resolution = resolve_agent(agent, trace=loop.trace)
    except ResolutionError as exc:
        loop.trace = exc.trace
        loop.fail(exc.code, exc.message)
        return
    loop.fields.update(
        route=resolution.route,
        provider_id=resolution.provider.pk,
        connection_id=resolution.connection.pk,
        model=resolution.model,
    )
    gate = loop.gate = governance.gate_for(None, resolution.provider, None, loop.trace)
    goal = gate.mask(run.goal)
    gate.record_masking()
    gate.screen(goal)
    agent_tools = {t.name: t for t in AgentTool.objects.filter(agent=agent)}
    specs = tuple(
        ToolSpec(name=t.name, description=t.description, parameters=tools.parameters_of(t))
        for t in agent_tools.values()
    )
    system = "\n\n".join(part for part in (agent.role.strip(), agent.instructions.strip()) if part)
    messages: list[Message] = [Message(role="user", content=goal)]
    sent = 0  # messages already shown in an earlier model step
    for turn in range(1, agent.max_steps + 1):
        request = ChatRequest(
            model=resolution.model, messages=tuple(messages), system=system, tools=specs
        )
        result = _model_step(loop, resolution, request, new=messages[sent:], first=turn == 1)
        sent = len(messages)
        if result is None:
            return
        if not result.tool_calls:
            loop.fields["output"] = gate.restore(result.text)
            _check_recovered(loop)
            return
        if turn == agent.max_steps:
            loop.fail(
                ErrorCode.MAX_STEPS,
                f"Agent {agent.key} reached its limit of {agent.max_steps} model step(s) "
                "without a final answer; raise max steps on Agents or narrow the goal.",
            )
            return
        messages.append(
            Message(role="assistant", content=result.text, tool_calls=result.tool_calls)
        )
        for call in result.tool_calls:
            content = gate.mask(_tool_step(loop, agent_tools, call.name, call.arguments))
            gate.screen(content)  # what a tool read may carry an injection aimed at the model
            messages.append(
                Message(role="tool", content=content, tool_call_id=call.id, name=call.name)
            )


def _model_step(
    loop: Loop,
    resolution: AgentResolution,
    request: ChatRequest,
    *,
    new: list[Message],
    first: bool,
) -> ChatResult | None:
    """One model call with retries, recorded as a step; None (and the run failed) on error."""
    started = time.monotonic()
    budget = Budget.start()
    gate = loop.gate
    hold = gate and gate.reserve(
        loop.run.pk,
        resolution,
        request.system + "".join(m.content or "" for m in request.messages),
        request.max_tokens or AGENT_STEP_TOKENS,
        skill_id=None,
        user_id=loop.run.requested_by_id,
    )
    outcome = call_route(
        resolution,
        request,
        budget=budget,
        scope={"purpose": Purpose.AGENT, "agent_run_id": loop.run.pk},
        should_stop=lambda: not loop.still_owned(),
    )
    result, error, request_ids = outcome.result, outcome.error, outcome.request_ids
    loop.attempts += budget.attempts
    payload: dict[str, Any] = {
        "model": request.model,
        "messages": [_message_json(m) for m in new],
        "tools": [t.name for t in request.tools],
    }
    if first:
        payload["system"] = request.system
    response: dict[str, Any] = {"attempts": budget.attempts, "provider_request_ids": request_ids}
    usage = result.usage if result is not None else None
    if result is not None:
        response.update(
            text=result.text,
            tool_calls=[
                {"id": c.id, "name": c.name, "arguments": c.arguments} for c in result.tool_calls
            ],
            finish_reason=result.finish_reason,
            model=result.model,
        )
        loop.prompt_tokens += result.usage.prompt_tokens
        loop.completion_tokens += result.usage.completion_tokens
    elif error is not None:
        response.update(error=describe_error(error), error_code=error_code(error))
    loop.step(
        StepKind.MODEL_CALL,
        request=payload,
        response=response,
        ok=result is not None,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        latency_ms=round((time.monotonic() - started) * 1000),
    )
    if hold:  # settled with what this step used, in the run's next commit
        used, spent = 0, Decimal(0)
        if result is not None:
            usage = result.usage
            used = usage.total_tokens
            spent = budgets.route_cost(
                resolution, result.model, usage.prompt_tokens, usage.completion_tokens
            )
        unitofwork.defer(functools.partial(budgets.settle, hold.reservations, used, spent))
    if result is None and error is not None:
        loop.fail(error_code(error), f"Model step {loop.index}: {describe_error(error)}")
    return result


def _tool_step(loop: Loop, agent_tools: dict[str, AgentTool], name: str, arguments: Any) -> str:
    """Run one tool call, record it, and return the text the model reads back."""
    started = time.monotonic()
    gate = loop.gate
    try:
        real = gate.restore_data(arguments) if gate is not None else arguments
        outcome = tools.execute(agent_tools, name, real, loop.run)
    except Exception:
        logger.exception("tool %s of agent run %s failed", name, loop.run.pk)
        outcome = tools.ToolOutcome.error(f"Tool {name} failed unexpectedly; try another way.")
    if outcome.ok:
        loop.unrecovered.pop(name, None)
    else:
        error = outcome.result.get("error") if isinstance(outcome.result, dict) else None
        loop.unrecovered[name] = str(error or "no detail")[:500]
    content = json.dumps(outcome.result, ensure_ascii=False, default=str)
    if len(content) > TOOL_RESULT_MAX_CHARS:
        content = content[:TOOL_RESULT_MAX_CHARS] + " …(truncated)"
    loop.step(
        StepKind.TOOL_CALL,
        tool_name=name[:64],
        request={"arguments": arguments},
        response=outcome.result,
        ok=outcome.ok,
        latency_ms=round((time.monotonic() - started) * 1000),
    )
    return content


def _check_recovered(loop: Loop) -> None:
    """Fail a run whose final answer came while a tool's last call had failed.

    A failed tool call is fed back to the model so it can try another way; it recovered when
    a later call of that same tool succeeded. If it answered instead, the answer rests on a
    step that did not happen (every failed call of a run counts, so a run whose tool calls
    all failed fails too): the run ends failed, naming the tool and its error; the model's
    answer stays as its output.
    """
    if not loop.unrecovered:
        return
    name, error = next(iter(loop.unrecovered.items()))
    others = sorted(set(loop.unrecovered) - {name})
    also = f" (also failed: {', '.join(others)})" if others else ""
    loop.fail(
        ErrorCode.TOOL_FAILED,
        f"Tool {name} failed and agent {loop.run.agent.key} answered without a successful "
        f"retry{also}: {error}",
    )


def _message_json(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        data["tool_calls"] = [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls
        ]
    if message.tool_call_id:
        data["tool_call_id"] = message.tool_call_id
    return data
