"""What both Bedrock APIs share about Claude: its model ids (inference-profile prefixes, ARNs,
the Anthropic name), its stop reasons, and JSON asked for in words, since Claude on Bedrock
has no JSON switch."""

from __future__ import annotations

import re

PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "global.", "us-gov.", "ca.", "au.")
# The neutral reply's finish → Claude's stop_reason (Converse's stopReason uses the same words).
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool": "tool_use"}


def resolve_model(model_id: str, models: list[str]) -> str | None:
    """Strip an inference-profile prefix or ARN to find the foundation model id."""
    candidate = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    for prefix in PROFILE_PREFIXES:
        if candidate.startswith(prefix):
            candidate = candidate[len(prefix) :]
            break
    return candidate if candidate in models else None


def anthropic_name(model_id: str) -> str:
    """``anthropic.claude-sonnet-4-5-20250929-v1:0`` → ``claude-sonnet-4-5-20250929``."""
    name = model_id.removeprefix("anthropic.")
    return re.sub(r"-v\d+(:\d+)?$", "", name)


def wants_json(*texts: str) -> bool:
    """Whether the system or user text asks for JSON (the word "json")."""
    return any(re.search(r"\bjson\b", t or "", re.I) for t in texts)
