"""What each provider kind's connection holds: its settings, its secrets, and its auth options.

One registry used by model validation, forms, serializers, import/export and the adapters, so
the per-provider rules live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.choices import AzureApiStyle, BedrockApi, ConnectionOwner, GeminiMode, ProviderKind


@dataclass(frozen=True)
class ConnectionSpec:
    kind: str
    settings: tuple[str, ...]
    secrets: tuple[str, ...]
    # Each tuple is one way to authenticate: every name in it must be present.
    auth_options: tuple[tuple[str, ...], ...]
    required_settings: tuple[str, ...] = ()
    default_host: str = ""
    oem: bool = True
    byok: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def auth_satisfied(self, present: set[str]) -> bool:
        return any(set(option) <= present for option in self.auth_options)

    def auth_description(self) -> str:
        return " or ".join(" + ".join(option) for option in self.auth_options)


SPECS: dict[str, ConnectionSpec] = {
    ProviderKind.AZURE_OPENAI: ConnectionSpec(
        kind=ProviderKind.AZURE_OPENAI,
        settings=("endpoint", "api_version", "api_style", "resource_path"),
        secrets=("api_key", "entra_token"),
        auth_options=(("api_key",), ("entra_token",)),
        required_settings=("endpoint",),
        default_host="{resource}.openai.azure.com",
    ),
    ProviderKind.AWS_BEDROCK: ConnectionSpec(
        kind=ProviderKind.AWS_BEDROCK,
        settings=("region", "access_key_id", "role_arn", "endpoint", "bedrock_api"),
        secrets=("secret_access_key", "session_token", "bedrock_api_key"),
        auth_options=(("access_key_id", "secret_access_key"), ("bedrock_api_key",)),
        required_settings=("region",),
        default_host="bedrock-runtime.{region}.amazonaws.com",
    ),
    ProviderKind.GOOGLE_GEMINI: ConnectionSpec(
        kind=ProviderKind.GOOGLE_GEMINI,
        settings=("mode", "project", "location", "endpoint", "api_version"),
        secrets=("api_key", "service_account_json"),
        auth_options=(("api_key",), ("service_account_json",)),
        required_settings=("mode",),
        default_host="generativelanguage.googleapis.com",
    ),
    ProviderKind.NOW_LLM: ConnectionSpec(
        kind=ProviderKind.NOW_LLM,
        settings=("endpoint", "header_name"),
        secrets=("api_key",),
        auth_options=(("api_key",),),
        required_settings=("endpoint",),
        byok=False,
    ),
    ProviderKind.GENERIC_LLM: ConnectionSpec(
        kind=ProviderKind.GENERIC_LLM,
        settings=("endpoint", "header_name"),
        secrets=("api_key",),
        auth_options=(("api_key",),),
        required_settings=("endpoint",),
        oem=False,
    ),
}

# Settings whose value is one of a fixed set, wherever a connection is written.
CHOICE_SETTINGS: dict[str, list[str]] = {
    "api_style": AzureApiStyle.values,
    "bedrock_api": BedrockApi.values,
    "mode": GeminiMode.values,
}
# Keys a Vertex AI service-account JSON must carry.
SERVICE_ACCOUNT_KEYS = ("client_email", "private_key", "token_uri")

ALL_SECRET_NAMES: frozenset[str] = frozenset(s for spec in SPECS.values() for s in spec.secrets)


def spec_for(kind: str) -> ConnectionSpec:
    return SPECS[kind]


def default_owner(spec: ConnectionSpec) -> str:
    """Customer unless the provider takes no customer key (the platform's own LLM)."""
    return ConnectionOwner.CUSTOMER if spec.byok else ConnectionOwner.PLATFORM
