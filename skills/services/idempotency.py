"""Idempotency keys of skill invocations: a retried request gets its first run back, and a
key is never answered with the run of another request.

A key belongs to one user. The invocation its first request wrote stores, beside the key, a
fingerprint of what that request asked for: the SHA-256 of the canonical JSON of its skill,
input and record. A later request with the same user and key is a retry when its fingerprint
is the same, and is refused (`IdempotencyKeyReused`) when it differs. An invocation written
before fingerprints were stored has none; a request with its key is taken as a retry.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from skills.models import Invocation, Record
from skills.services.errors import IdempotencyKeyReused


def fingerprint(skill_key: str, input: Any, record: Record | None) -> str:
    """SHA-256 (hex) of what a request asks for, the same however its JSON was written."""
    asked = {"skill": skill_key, "input": input, "record": record.number if record else None}
    canonical = json.dumps(
        asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def first_run(user: Any, key: str, asked: str) -> Invocation | None:
    """The invocation `key` already names for `user`, if any, when `asked` matches it.

    Raises `IdempotencyKeyReused` if the key names the run of a different request.
    """
    existing = (
        Invocation.objects.filter(requested_by=user, idempotency_key=key)
        .order_by("created_at")
        .first()
    )
    if existing is None:
        return None
    if existing.idempotency_fingerprint not in (None, asked):
        raise IdempotencyKeyReused(
            f"The Idempotency-Key {key!r} was first used for a different request (skill, "
            "input or record); send a new key for a new request."
        )
    return existing
