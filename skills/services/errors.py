"""The errors the execution engine raises; each message is meant for an administrator's eyes.

Every message names what is wrong and the console page that fixes it, and never carries a
secret or a traceback.
"""

from __future__ import annotations

from core.errors import ErrorCode


class SkillError(Exception):
    """Base class: a readable `message` and a stable machine `code`."""

    code: str = ErrorCode.FAILED

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ResolutionError(SkillError):
    """A broken link between a skill and a provider call (carries the trace up to the break)."""

    code = ErrorCode.RESOLUTION

    def __init__(self, code: ErrorCode, message: str, trace: list[dict] | None = None) -> None:
        super().__init__(message, code=code)
        self.trace = list(trace or [])


class InputError(SkillError):
    """The caller's input does not fit the skill (nothing was sent anywhere)."""

    code = ErrorCode.INVALID_INPUT


class TemplateError(SkillError):
    """The prompt template itself is broken (a configuration problem, not the caller's)."""

    code = ErrorCode.TEMPLATE


class RateLimitExceeded(SkillError):
    """A rate-limit rule refuses another request this hour."""

    code = ErrorCode.RATE_LIMITED


class IdempotencyKeyReused(SkillError):
    """The caller's idempotency key already names a run of a different request."""

    code = ErrorCode.IDEMPOTENCY_KEY_REUSED
