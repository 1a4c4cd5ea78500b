"""An invocation as plain data, for the command line and anything else that prints one."""

from __future__ import annotations

from typing import Any

from skills.models import Invocation


def invocation_as_dict(invocation: Invocation) -> dict[str, Any]:
    """Everything an operator needs to see why and where a call went; never a secret."""
    outbound = list(
        invocation.outbound_requests.order_by("created_at", "id").values_list("pk", flat=True)
    )
    return {
        "id": str(invocation.pk),
        "skill": invocation.skill.key,
        "status": invocation.status,
        "output": invocation.output,
        "output_json": invocation.output_json,
        "error_code": invocation.error_code,
        "error_message": invocation.error_message,
        "route": invocation.route,
        "provider": invocation.provider.kind if invocation.provider else None,
        "connection": invocation.connection.name if invocation.connection else None,
        "alias": invocation.alias.key if invocation.alias else None,
        "variant": (
            f"{invocation.variant.name} v{invocation.variant.version}"
            if invocation.variant
            else None
        ),
        "model": invocation.model,
        "used_fallback": invocation.used_fallback,
        "tokens": {
            "prompt": invocation.prompt_tokens,
            "completion": invocation.completion_tokens,
            "total": invocation.total_tokens,
        },
        "cost": str(invocation.cost),
        "latency_ms": invocation.latency_ms,
        "attempts": invocation.attempts,
        "provider_request_ids": invocation.provider_request_ids,
        "outbound_request_ids": outbound,
        "resolution_trace": invocation.resolution_trace,
        "created_at": invocation.created_at.isoformat(),
        "finished_at": invocation.finished_at.isoformat() if invocation.finished_at else None,
    }
