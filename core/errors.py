"""Every machine-readable error code the console stores or answers with, in one enum.

A run's `error_code`, a refused call's `{"code": …}` and a resolution trace's failing step all
draw from here, so a client or an alert rule can rely on a closed set. Each label says what
the code means in general; the message stored beside it names the particular rows and the
console page that fixes them.
"""

from __future__ import annotations

from django.db import models


class ErrorCode(models.TextChoices):
    # A run as a whole
    FAILED = "failed", "The call did not complete."
    CANCELLED = "cancelled", "Cancelled before it finished."
    ABANDONED = "abandoned", "Published too many times without a worker finishing it."
    INTERNAL = "internal", "An unexpected error inside the console."
    FINISHED = "finished", "The run had already finished."
    MAX_STEPS = "max_steps", "The agent reached its limit of model steps."
    TOOL_FAILED = (
        "tool_failed",
        "A tool call of the agent failed and the agent answered without recovering from it.",
    )

    # Refused before anything was sent
    INVALID_INPUT = "invalid_input", "The input does not fit the skill."
    TEMPLATE = "template", "The prompt template is broken."
    RATE_LIMITED = "rate_limited", "A rate-limit rule refuses another request this hour."
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        "The idempotency key was first used for a different request.",
    )

    # Refused by a governance control (Settings), before anything was sent
    PROVIDER_NOT_ALLOWED = (
        "provider_not_allowed",
        "The provider or its region is not on the allow-list.",
    )
    BUDGET_EXCEEDED = "budget_exceeded", "A budget's hard limit is reached for this period."
    GUARDRAIL_BLOCKED = "guardrail_blocked", "A Guardian check in block mode flagged the prompt."
    GOVERNANCE_FAILED = (
        "governance_failed",
        "A governance control (privacy, Guardian, budget) failed, so the call was not sent.",
    )

    # Refused because of who is asking
    FORBIDDEN = "forbidden", "The caller may not do this to this object."
    THROTTLED = "throttled", "Too many requests from this user or address; retry later."

    # A request body the console does not read (core.parsers, core.middleware)
    MALFORMED_REQUEST = (
        "malformed_request",
        "The body is not acceptable JSON: syntax, nesting depth, a duplicate key, a number "
        "out of range, or text that is not UTF-8.",
    )
    REQUEST_TOO_LARGE = "request_too_large", "The body is larger than the endpoint accepts."

    # Resolution: a broken link between a skill (or agent) and a provider call
    RESOLUTION = "resolution", "The call could not be routed."
    SKILL_INACTIVE = "skill_inactive", "The skill is inactive."
    AGENT_INACTIVE = "agent_inactive", "The agent is inactive."
    NO_PROVIDER_POLICY = "no_provider_policy", "No model provider is chosen for the skill."
    PROVIDER_DISABLED = "provider_disabled", "The chosen provider is disabled."
    NO_ALIAS = "no_alias", "The provider has no model alias for the tier."
    NO_VARIANT = "no_variant", "The skill has no published prompt variant."
    OVERRIDE_VARIANT_MISSING = "override_variant_missing", "A version override names no variant."
    OVERRIDE_VERSION_UNAVAILABLE = (
        "override_version_unavailable",
        "A version override names a model version that cannot be used.",
    )
    NO_ALIAS_MAPPING = "no_alias_mapping", "BYOK is on but the alias is not mapped."
    CONNECTION_INACTIVE = "connection_inactive", "The mapped connection is inactive."
    MAPPING_WRONG_PROVIDER = "mapping_wrong_provider", "The alias is mapped to another provider."
    NO_PLATFORM_CONNECTION = "no_platform_connection", "No active platform connection."
    SECRET_UNDECRYPTABLE = (
        "secret_undecryptable",
        "A connection's secrets cannot be decrypted with the configured keys.",
    )

    # The provider's answer (one per providers.adapters.base.ErrorKind)
    PROVIDER_AUTH = "provider_auth", "The provider refused the credentials."
    PROVIDER_PERMISSION = "provider_permission", "The credentials may not do this."
    PROVIDER_NOT_FOUND = "provider_not_found", "Deployment, model or project unknown."
    PROVIDER_REGION = "provider_region", "Region mismatch."
    PROVIDER_BAD_REQUEST = "provider_bad_request", "The provider refused the request."
    PROVIDER_CONTENT_FILTER = "provider_content_filter", "The provider's content filter."
    PROVIDER_THROTTLED = "provider_throttled", "The provider throttled the call."
    PROVIDER_SERVER = "provider_server", "The provider failed."
    PROVIDER_TIMEOUT = "provider_timeout", "The provider did not answer in time."
    PROVIDER_NETWORK = "provider_network", "The provider could not be reached."
    PROVIDER_TLS = "provider_tls", "TLS with the provider failed."
    PROVIDER_MALFORMED = "provider_malformed", "The provider answered something unreadable."
    PROVIDER_CONFIG = "provider_config", "The connection is not usable as configured."

    @classmethod
    def for_provider(cls, kind: str) -> ErrorCode:
        """The code of a provider error of `kind` (an adapters ErrorKind value)."""
        return cls(f"provider_{kind}")
