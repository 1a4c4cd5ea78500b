"""What Bedrock reports about an invocation: its latency, and the request-id, token-count and
latency headers. Both APIs report the same figures."""

from __future__ import annotations

import time

from sandbox import content
from sandbox.common import new_request_id


def invocation_headers(reply: content.Reply, started: float) -> dict[str, str]:
    """The headers of a non-streamed answer: request id, token counts, latency."""
    return {
        "x-amzn-RequestId": new_request_id(),
        "X-Amzn-Bedrock-Input-Token-Count": str(reply.prompt_tokens),
        "X-Amzn-Bedrock-Output-Token-Count": str(reply.completion_tokens),
        "X-Amzn-Bedrock-Invocation-Latency": str(elapsed_ms(started)),
    }


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a ``time.perf_counter()``), at least 1."""
    return max(1, int((time.perf_counter() - started) * 1000))
