"""What each provider kind's connection holds, and everything known about each of its values.

A `ConnectionSpec` lists a provider's `SettingSpec`s: for every setting and secret its label,
where to find it in the provider's portal, its length, choices and grammar. Every door derives
from these: the model's validation, the admin and console forms (fields and fieldsets), the
REST serializer, and configuration import/export. Adding a setting means adding it here (and
its column on `Connection`, the one thing a spec cannot create) and to the spec tests.
"""

from __future__ import annotations

from providers import grammar
from providers.choices import AzureApiStyle, BedrockApi, ConnectionOwner, GeminiMode, ProviderKind
from providers.fieldspec import ConnectionSpec, Requirement, SettingSpec
from providers.grammar import SERVICE_ACCOUNT_KEYS, SettingError

__all__ = [
    "SECRET_NAMES",
    "SERVICE_ACCOUNT_KEYS",
    "SETTING_NAMES",
    "SPECS",
    "ConnectionSpec",
    "Requirement",
    "SettingError",
    "SettingSpec",
    "column_length",
    "default_owner",
    "help_of",
    "label_of",
    "spec_for",
    "variants",
]


def _endpoint(kind: str, help_text: str) -> SettingSpec:
    return SettingSpec(
        "endpoint",
        "Endpoint",
        help_text,
        max_length=500,
        validator=grammar.endpoint(kind),
        input="url",
    )


API_KEY = SettingSpec("api_key", "API key", secret=True)
API_VERSION = SettingSpec("api_version", "API version", max_length=40)
HEADER_NAME = SettingSpec(
    "header_name",
    "Key header name",
    "The header that carries the API key, e.g. X-Api-Key; blank: Authorization: Bearer.",
    max_length=64,
    validator=grammar.http_header_name,
)

SPECS: dict[str, ConnectionSpec] = {
    ProviderKind.AZURE_OPENAI: ConnectionSpec(
        kind=ProviderKind.AZURE_OPENAI,
        fields=(
            _endpoint(
                ProviderKind.AZURE_OPENAI,
                "Azure portal → your Azure OpenAI resource → Keys and Endpoint → Endpoint, "
                "e.g. https://contoso.openai.azure.com.",
            ),
            API_VERSION.but(
                help_text="The api-version of the deployments API, e.g. 2024-10-21 or "
                "2025-04-01-preview (Azure OpenAI REST reference); blank: 2024-10-21.",
                validator=grammar.azure_api_version,
            ),
            SettingSpec(
                "api_style",
                "API style",
                "Deployments: /openai/deployments/{name}?api-version=…; "
                "v1: /openai/v1/ (no api-version); blank: deployments.",
                max_length=16,
                choices=tuple(AzureApiStyle.choices),
            ),
            SettingSpec(
                "resource_path",
                "Custom resource path",
                "Optional: one deployment (/openai/deployments/gpt4o, as named under Azure AI "
                "Foundry → Deployments) or a gateway prefix placed before /openai.",
                max_length=200,
                validator=grammar.azure_resource_path,
            ),
            API_KEY.but(help_text="Azure portal → resource → Keys and Endpoint → KEY 1 or KEY 2."),
            SettingSpec(
                "entra_token",
                "Entra ID token",
                "A Microsoft Entra ID access token for https://cognitiveservices.azure.com "
                "(az account get-access-token).",
                secret=True,
            ),
        ),
        auth_options=(("api_key",), ("entra_token",)),
        required_settings=("endpoint",),
        default_host="{resource}.openai.azure.com",
    ),
    ProviderKind.AWS_BEDROCK: ConnectionSpec(
        kind=ProviderKind.AWS_BEDROCK,
        fields=(
            SettingSpec(
                "region",
                "AWS Region",
                "The Region code where Bedrock model access is granted, e.g. us-east-1 "
                "(Bedrock console → Region selector → code).",
                max_length=40,
                validator=grammar.aws_region,
            ),
            SettingSpec(
                "access_key_id",
                "Access key ID",
                "IAM console → Users → Security credentials → Access keys, e.g. AKIA….",
                max_length=128,
                in_credentials=True,
            ),
            SettingSpec(
                "role_arn",
                "Role ARN to assume",
                "Optional role assumed through STS, e.g. arn:aws:iam::111122223333:role/"
                "bedrock-invoke (IAM console → Roles → the role → ARN).",
                max_length=300,
                validator=grammar.iam_role_arn,
            ),
            _endpoint(
                ProviderKind.AWS_BEDROCK,
                "Optional override, e.g. a FIPS endpoint; blank: "
                "https://bedrock-runtime.{region}.amazonaws.com.",
            ),
            SettingSpec(
                "bedrock_api",
                "Bedrock API",
                "Converse (any model) or InvokeModel with the Anthropic Messages body; "
                "blank: Converse.",
                max_length=16,
                choices=tuple(BedrockApi.choices),
            ),
            SettingSpec(
                "secret_access_key",
                "Secret access key",
                "Shown once, when the access key is created in the IAM console.",
                secret=True,
            ),
            SettingSpec(
                "session_token",
                "Session token",
                "Only for temporary credentials (ASIA… key IDs) issued by STS.",
                secret=True,
            ),
            SettingSpec(
                "bedrock_api_key",
                "Bedrock API key",
                "Bedrock console → API keys; used instead of an access key.",
                secret=True,
            ),
        ),
        auth_options=(("access_key_id", "secret_access_key"), ("bedrock_api_key",)),
        required_settings=("region",),
        default_host="bedrock-runtime.{region}.amazonaws.com",
    ),
    ProviderKind.GOOGLE_GEMINI: ConnectionSpec(
        kind=ProviderKind.GOOGLE_GEMINI,
        fields=(
            SettingSpec(
                "mode",
                "Gemini mode",
                "Gemini API (a Google AI Studio key) or Vertex AI (a Google Cloud project).",
                max_length=16,
                choices=tuple(GeminiMode.choices),
            ),
            SettingSpec(
                "project",
                "Project ID",
                "Vertex AI: Google Cloud console → project picker → ID (not the name), "
                "e.g. contoso-genai.",
                max_length=100,
                validator=grammar.gcp_project,
            ),
            SettingSpec(
                "location",
                "Location",
                "Vertex AI: the region serving the model, e.g. us-central1, europe-west4, "
                "or global.",
                max_length=40,
                validator=grammar.vertex_location,
            ),
            _endpoint(
                ProviderKind.GOOGLE_GEMINI,
                "Optional override; blank: generativelanguage.googleapis.com (Gemini API) "
                "or {location}-aiplatform.googleapis.com (Vertex AI).",
            ),
            API_VERSION.but(
                help_text="v1 or v1beta; blank: v1beta for the Gemini API, v1 for Vertex AI.",
                validator=grammar.gemini_api_version,
            ),
            API_KEY.but(
                help_text="Google AI Studio → Get API key, or a Vertex AI express-mode key."
            ),
            SettingSpec(
                "service_account_json",
                "Service account JSON",
                "Google Cloud console → IAM & Admin → Service accounts → Keys → Add key → "
                "JSON; paste the whole key file.",
                validator=grammar.service_account,
                secret=True,
                input="json",
            ),
        ),
        auth_options=(("api_key",), ("service_account_json",)),
        required_settings=("mode",),
        required_when=(
            Requirement("mode", GeminiMode.VERTEX_AI, ("project", "location"), "Vertex AI"),
        ),
        default_host="generativelanguage.googleapis.com",
    ),
    ProviderKind.NOW_LLM: ConnectionSpec(
        kind=ProviderKind.NOW_LLM,
        fields=(
            _endpoint(
                ProviderKind.NOW_LLM,
                "The platform model service's OpenAI-compatible base URL, "
                "e.g. https://llm.platform.example/v1.",
            ),
            HEADER_NAME,
            API_KEY.but(help_text="The platform model service's key, from its operator."),
        ),
        auth_options=(("api_key",),),
        required_settings=("endpoint",),
        byok=False,
    ),
    ProviderKind.GENERIC_LLM: ConnectionSpec(
        kind=ProviderKind.GENERIC_LLM,
        fields=(
            _endpoint(
                ProviderKind.GENERIC_LLM,
                "The OpenAI-compatible base URL, usually ending in /v1, "
                "e.g. https://llm.example.com/v1.",
            ),
            HEADER_NAME,
            API_KEY.but(help_text="The key the endpoint expects, from its provider's console."),
        ),
        auth_options=(("api_key",),),
        required_settings=("endpoint",),
        oem=False,
    ),
}


def _union(secret: bool) -> tuple[str, ...]:
    names = [f.name for spec in SPECS.values() for f in spec.fields if f.secret == secret]
    return tuple(dict.fromkeys(names))


# Every setting and every secret name, in the order the specs first list them.
SETTING_NAMES: tuple[str, ...] = _union(secret=False)
SECRET_NAMES: tuple[str, ...] = _union(secret=True)


def spec_for(kind: str) -> ConnectionSpec:
    return SPECS[kind]


def variants(name: str) -> list[tuple[ConnectionSpec, SettingSpec]]:
    """Each provider's version of one setting or secret (same label, own help and grammar)."""
    return [(spec, f) for spec in SPECS.values() for f in spec.fields if f.name == name]


def label_of(name: str) -> str:
    return variants(name)[0][1].label


def help_of(name: str, *, name_providers: bool = False) -> str:
    """One help text for a field shared by several providers: each provider's, if they differ.

    `name_providers` names them even when they agree (credentials are listed together, away
    from the provider's own settings).
    """
    texts = {ProviderKind(spec.kind).label: f.help_text for spec, f in variants(name)}
    if len(set(texts.values())) == 1 and not name_providers:
        return next(iter(texts.values()))
    if len(set(texts.values())) == 1:
        return f"{', '.join(texts)}: {next(iter(texts.values()))}"
    return " ".join(f"{kind}: {text}" for kind, text in texts.items() if text)


def column_length(name: str) -> int:
    """The `Connection` column's length: the longest any provider's spec allows."""
    return max(f.max_length or 0 for _, f in variants(name))


def default_owner(spec: ConnectionSpec) -> str:
    """Customer unless the provider takes no customer key (the platform's own LLM)."""
    return ConnectionOwner.CUSTOMER if spec.byok else ConnectionOwner.PLATFORM
