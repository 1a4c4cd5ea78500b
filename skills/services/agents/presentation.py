"""An agent run as plain data, for the command line and anything else that prints one."""

from __future__ import annotations

from typing import Any

from skills.models import AgentRun


def agent_run_as_dict(run: AgentRun) -> dict[str, Any]:
    """The run, its route and every step; never a secret (steps hold none by construction)."""
    outbound = list(run.outbound_requests.order_by("created_at", "id").values_list("pk", flat=True))
    return {
        "id": str(run.pk),
        "agent": run.agent.key,
        "status": run.status,
        "goal": run.goal,
        "output": run.output,
        "error_code": run.error_code,
        "error_message": run.error_message,
        "route": run.route,
        "provider": run.provider.kind if run.provider else None,
        "connection": run.connection.name if run.connection else None,
        "model": run.model,
        "tokens": {
            "prompt": run.prompt_tokens,
            "completion": run.completion_tokens,
            "total": run.prompt_tokens + run.completion_tokens,
        },
        "attempts": run.attempts,
        "steps": [
            {
                "index": step.index,
                "kind": step.kind,
                "tool": step.tool_name,
                "ok": step.ok,
                "request": step.request,
                "response": step.response,
                "tokens": {"prompt": step.prompt_tokens, "completion": step.completion_tokens},
                "latency_ms": step.latency_ms,
            }
            for step in run.steps.order_by("index")
        ],
        "outbound_request_ids": outbound,
        "resolution_trace": run.resolution_trace,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
