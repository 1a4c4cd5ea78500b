"""AI Agent Studio: the agents, each one's configuration and tools, and a Run box whose
result panel follows the run live (as a skill run's does)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from console.agent_forms import AgentForm, GoalForm, ToolForm
from core.access import requires
from core.roles import has_capability
from skills.choices import Source
from skills.models import Agent, AgentRun, AgentTool
from skills.services.agents import create_agent_run
from skills.services.agents.studio import (
    add_tool,
    agent_impact,
    remove_tool,
    run_steps,
    save_agent,
)
from skills.services.errors import SkillError


@requires("view_config")
def agent_list(request: HttpRequest) -> HttpResponse:
    agents = Agent.objects.select_related("provider").prefetch_related("tools")
    return render(request, "console/agents.html", {"agents": agents})


def _page(
    request: HttpRequest,
    agent: Agent | None,
    *,
    form: AgentForm | None = None,
    tool_form: ToolForm | None = None,
    goal_form: GoalForm | None = None,
    run: AgentRun | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or AgentForm(instance=agent)
    impact_of = form.instance if form.is_bound else agent
    context: dict[str, Any] = {
        "agent": agent,
        "form": form,
        "impact": agent_impact(impact_of) if impact_of is not None else None,
        "tools": list(agent.tools.order_by("name")) if agent else [],
        "tool_form": tool_form or ToolForm(),
        "goal_form": goal_form or GoalForm(),
        "can_run": has_capability(request.user, "run"),
        "run": run,
    }
    if run is not None:
        context.update(_live(run))
    return render(request, "console/agent_form.html", context, status=status)


@requires("configure")
def agent_new(request: HttpRequest) -> HttpResponse:
    """GET: a blank agent; POST: validate through the model, save."""
    return _edit(request, None)


@requires("view_config")
def agent_edit(request: HttpRequest, key: str) -> HttpResponse:
    """GET: the agent, its tools and Run box; POST (configure): validate, save."""
    if request.method == "POST" and not has_capability(request.user, "configure"):
        raise PermissionDenied  # before the lookup: a missing key tells a reader nothing
    return _edit(request, get_object_or_404(Agent, key=key))


def _edit(request: HttpRequest, agent: Agent | None) -> HttpResponse:
    if request.method != "POST":
        return _page(request, agent)
    if not has_capability(request.user, "configure"):
        raise PermissionDenied
    form = AgentForm(request.POST, instance=agent or Agent())
    if form.is_valid():
        try:
            saved = save_agent(form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Agent {saved.key} saved.")
            return redirect("agent_edit", key=saved.key)
    return _page(request, agent, form=form, status=400)


@require_POST
@requires("configure")
def agent_tool_add(request: HttpRequest, key: str) -> HttpResponse:
    agent = get_object_or_404(Agent, key=key)
    tool_form = ToolForm(request.POST)
    if tool_form.is_valid():
        try:
            tool = add_tool(agent, **tool_form.cleaned_data)
        except ValidationError as exc:
            _add_errors(tool_form, exc)
        else:
            messages.success(request, f"Tool {tool.name} added.")
            return redirect("agent_edit", key=agent.key)
    return _page(request, agent, tool_form=tool_form, status=400)


def _add_errors(form: ToolForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@require_POST
@requires("configure")
def agent_tool_remove(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    tool = get_object_or_404(AgentTool, agent__key=key, pk=pk)
    remove_tool(tool)
    messages.success(request, f"Tool {tool.name} removed.")
    return redirect("agent_edit", key=key)


@require_POST
@requires("run")
def agent_run(request: HttpRequest, key: str) -> HttpResponse:
    """Queue a run and answer at once; the result panel follows it (`agent_run_live`)."""
    agent = get_object_or_404(Agent, key=key)
    goal_form = GoalForm(request.POST)
    if goal_form.is_valid():
        try:
            run = create_agent_run(
                agent.key, goal_form.cleaned_data["goal"], user=request.user, source=Source.UI
            )
        except SkillError as exc:
            goal_form.add_error(None, exc.message)
        else:
            return _page(request, agent, goal_form=goal_form, run=run)
    return _page(request, agent, goal_form=goal_form, status=400)


def _live(run: AgentRun) -> dict[str, Any]:
    steps, other_outbound = run_steps(run)
    return {"run": run, "steps": steps, "other_outbound": other_outbound}


@requires("view_logs")
def agent_run_live(request: HttpRequest, pk: str) -> HttpResponse:
    """A run's panel as it is now; while unfinished, the panel asks again shortly (htmx)."""
    run = get_object_or_404(
        AgentRun.objects.select_related("agent", "provider", "connection"), pk=pk
    )
    return render(request, "console/_agent_run_live.html", _live(run))
