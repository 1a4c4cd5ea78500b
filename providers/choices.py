from __future__ import annotations

from django.db import models


class ProviderKind(models.TextChoices):
    AZURE_OPENAI = "azure_openai", "Azure OpenAI"
    AWS_BEDROCK = "aws_bedrock", "Anthropic Claude on Amazon Bedrock"
    GOOGLE_GEMINI = "google_gemini", "Google Gemini"
    NOW_LLM = "now_llm", "Now LLM Service"
    GENERIC_LLM = "generic_llm", "Generic LLM (OpenAI-compatible)"


class IntegrationMode(models.TextChoices):
    OEM = "oem", "OEM (platform key)"
    BYOK = "byok", "Bring your own key"


class Route(models.TextChoices):
    OEM = "oem", "OEM"
    BYOK = "byok", "BYOK"


class ConnectionOwner(models.TextChoices):
    PLATFORM = "platform", "Platform (OEM)"
    CUSTOMER = "customer", "Customer (BYOK)"


class AzureApiStyle(models.TextChoices):
    DEPLOYMENTS = "deployments", "Deployments (api-version)"
    V1 = "v1", "v1 API"


class GeminiMode(models.TextChoices):
    GEMINI_API = "gemini_api", "Gemini API"
    VERTEX_AI = "vertex_ai", "Vertex AI"


class BedrockApi(models.TextChoices):
    CONVERSE = "converse", "Converse"
    INVOKE_MODEL = "invoke_model", "InvokeModel (Anthropic body)"


class Tier(models.TextChoices):
    LARGE = "large", "Large"
    SMALL = "small", "Small"


class Capability(models.TextChoices):
    CHAT = "chat", "Chat"
    EMBEDDING = "embedding", "Embedding"


class VersionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRING = "retiring", "Retiring"
    RETIRED = "retired", "Retired"


class HealthStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    HEALTHY = "healthy", "Healthy"
    DEGRADED = "degraded", "Degraded"
    DOWN = "down", "Down"


class LogLevel(models.TextChoices):
    """How much of each outbound request the log keeps (OUTBOUND_LOG_LEVEL)."""

    BASIC = "basic", "Basic"
    ELEVATED = "elevated", "Elevated"
    ALL = "all", "All"


class OutboundState(models.TextChoices):
    """Where an outbound request stands. The row is written, `sending`, before any byte goes
    out, and completed when the answer (or the failure) is known; a row whose process died
    in between can never be completed and becomes `unknown`: the provider may or may not
    have received it."""

    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    UNKNOWN = "unknown", "Outcome unknown"


class Purpose(models.TextChoices):
    """Why a request left the console."""

    INVOCATION = "invocation", "Skill invocation"
    AGENT = "agent", "Agent step"
    HEALTH_CHECK = "health_check", "Health check"
    CONNECTION_TEST = "connection_test", "Connection test"
    TOKEN = "token", "Credential exchange"
