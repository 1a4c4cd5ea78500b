"""Providers, their model versions, the console's model aliases and default list prices.

Versions use the provider's own model id (Azure: the OpenAI model name; Bedrock: the model id;
Gemini: the model code). Prices are public list prices in USD per million tokens (standard
tier, no batch or cache discounts), editable afterwards in the console.
"""

from __future__ import annotations

from datetime import date

from providers.choices import Capability, IntegrationMode, ProviderKind, Tier, VersionStatus

PROVIDERS: list[dict] = [
    {
        "kind": ProviderKind.AZURE_OPENAI,
        "name": "Azure OpenAI",
        "integration_mode": IntegrationMode.OEM,
        "description": "OpenAI GPT models hosted in your Azure OpenAI resource.",
    },
    {
        "kind": ProviderKind.AWS_BEDROCK,
        "name": "Anthropic Claude on Amazon Bedrock",
        "integration_mode": IntegrationMode.OEM,
        "description": "Anthropic Claude models served by Amazon Bedrock in your AWS account.",
    },
    {
        "kind": ProviderKind.GOOGLE_GEMINI,
        "name": "Google Gemini",
        "integration_mode": IntegrationMode.OEM,
        "description": "Gemini models through the Gemini API or Vertex AI in your GCP project.",
    },
    {
        "kind": ProviderKind.NOW_LLM,
        "name": "Now LLM Service",
        "integration_mode": IntegrationMode.OEM,
        "description": "The platform's own model service; always platform-managed (OEM).",
    },
    {
        "kind": ProviderKind.GENERIC_LLM,
        "name": "Generic LLM (OpenAI-compatible)",
        "integration_mode": IntegrationMode.BYOK,
        "description": "Any OpenAI-compatible endpoint you run or subscribe to; BYOK only.",
    },
]

A, R, D = VersionStatus.ACTIVE, VersionStatus.RETIRING, VersionStatus.DEPRECATED
CHAT, EMBED = Capability.CHAT, Capability.EMBEDDING

# provider kind -> [(model id, label, capability, status, released_on, retires_on)]
VERSIONS: dict[str, list[tuple]] = {
    ProviderKind.AZURE_OPENAI: [
        ("gpt-4.1", "GPT-4.1", CHAT, A, date(2025, 4, 14), None),
        ("gpt-4.1-mini", "GPT-4.1 mini", CHAT, A, date(2025, 4, 14), None),
        ("gpt-4o", "GPT-4o", CHAT, D, date(2024, 11, 20), date(2026, 3, 31)),
        ("gpt-5", "GPT-5", CHAT, A, date(2025, 8, 7), None),
        ("gpt-5-mini", "GPT-5 mini", CHAT, A, date(2025, 8, 7), None),
        ("gpt-5.4", "GPT-5.4", CHAT, A, date(2026, 3, 5), None),
        ("text-embedding-3-large", "text-embedding-3-large", EMBED, A, date(2024, 1, 25), None),
        ("text-embedding-3-small", "text-embedding-3-small", EMBED, A, date(2024, 1, 25), None),
    ],
    ProviderKind.AWS_BEDROCK: [
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "Claude Sonnet 4.5",
            CHAT,
            A,
            date(2025, 9, 29),
            None,
        ),
        (
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "Claude Haiku 4.5",
            CHAT,
            A,
            date(2025, 10, 1),
            None,
        ),
        (
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "Claude Sonnet 4",
            CHAT,
            A,
            date(2025, 5, 14),
            None,
        ),
        (
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "Claude 3.7 Sonnet",
            CHAT,
            R,
            date(2025, 2, 19),
            date(2026, 4, 28),
        ),
        ("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", CHAT, A, date(2026, 2, 17), None),
    ],
    ProviderKind.GOOGLE_GEMINI: [
        ("gemini-2.5-pro", "Gemini 2.5 Pro", CHAT, A, date(2025, 6, 17), None),
        ("gemini-2.5-flash", "Gemini 2.5 Flash", CHAT, A, date(2025, 6, 17), None),
        ("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", CHAT, A, date(2025, 7, 22), None),
        ("gemini-3-pro-preview", "Gemini 3 Pro (preview)", CHAT, A, date(2025, 11, 18), None),
        ("gemini-embedding-001", "Gemini Embedding", EMBED, A, date(2025, 7, 14), None),
    ],
    ProviderKind.NOW_LLM: [
        ("now-llm-large", "Now LLM large", CHAT, A, None, None),
        ("now-llm-small", "Now LLM small", CHAT, A, None, None),
        ("now-llm-embed", "Now LLM embedding", EMBED, A, None, None),
    ],
    ProviderKind.GENERIC_LLM: [
        # The customer names the real model in the alias mapping; this only anchors the aliases.
        ("custom", "Custom model (set in the alias mapping)", CHAT, A, None, None),
    ],
}

L, S = Tier.LARGE, Tier.SMALL

# (key, provider kind, tier, capability, default model id, is_primary, description)
ALIASES: list[tuple] = [
    ("gpt_large", ProviderKind.AZURE_OPENAI, L, CHAT, "gpt-4.1", True, "GPT large (GPT-4.1)"),
    (
        "gpt_small",
        ProviderKind.AZURE_OPENAI,
        S,
        CHAT,
        "gpt-4.1-mini",
        True,
        "GPT small (GPT-4.1 mini)",
    ),
    (
        "gpt_embedding",
        ProviderKind.AZURE_OPENAI,
        L,
        EMBED,
        "text-embedding-3-large",
        True,
        "OpenAI embeddings (text-embedding-3-large)",
    ),
    (
        "claude_large",
        ProviderKind.AWS_BEDROCK,
        L,
        CHAT,
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        True,
        "Claude large (Claude Sonnet 4.5)",
    ),
    (
        "claude_small",
        ProviderKind.AWS_BEDROCK,
        S,
        CHAT,
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        True,
        "Claude small (Claude Haiku 4.5)",
    ),
    (
        "gemini_large",
        ProviderKind.GOOGLE_GEMINI,
        L,
        CHAT,
        "gemini-2.5-pro",
        True,
        "Gemini large (2.5 Pro)",
    ),
    (
        "gemini_small",
        ProviderKind.GOOGLE_GEMINI,
        S,
        CHAT,
        "gemini-2.5-flash",
        True,
        "Gemini small (2.5 Flash)",
    ),
    (
        "gemini_embedding",
        ProviderKind.GOOGLE_GEMINI,
        L,
        EMBED,
        "gemini-embedding-001",
        True,
        "Gemini embeddings (gemini-embedding-001)",
    ),
    ("now_llm_large", ProviderKind.NOW_LLM, L, CHAT, "now-llm-large", True, "Now LLM large"),
    ("now_llm_small", ProviderKind.NOW_LLM, S, CHAT, "now-llm-small", True, "Now LLM small"),
    (
        "now_llm_embedding",
        ProviderKind.NOW_LLM,
        L,
        EMBED,
        "now-llm-embed",
        True,
        "Now LLM embeddings",
    ),
    (
        "llm_generic_large",
        ProviderKind.GENERIC_LLM,
        L,
        CHAT,
        "custom",
        True,
        "Generic LLM large (model set in the mapping)",
    ),
    (
        "llm_generic_small",
        ProviderKind.GENERIC_LLM,
        S,
        CHAT,
        "custom",
        True,
        "Generic LLM small (model set in the mapping)",
    ),
]

# (provider kind, model id or prefix, input USD / 1M tokens, output USD / 1M tokens)
PRICES: list[tuple] = [
    (ProviderKind.AZURE_OPENAI, "gpt-4.1", "2.00", "8.00"),
    (ProviderKind.AZURE_OPENAI, "gpt-4.1-mini", "0.40", "1.60"),
    (ProviderKind.AZURE_OPENAI, "gpt-4o", "2.50", "10.00"),
    (ProviderKind.AZURE_OPENAI, "gpt-5", "1.25", "10.00"),
    (ProviderKind.AZURE_OPENAI, "gpt-5-mini", "0.25", "2.00"),
    (ProviderKind.AZURE_OPENAI, "gpt-5.4", "2.50", "15.00"),
    (ProviderKind.AZURE_OPENAI, "text-embedding-3-large", "0.13", "0.00"),
    (ProviderKind.AZURE_OPENAI, "text-embedding-3-small", "0.02", "0.00"),
    (ProviderKind.AWS_BEDROCK, "anthropic.claude-sonnet-4-5", "3.00", "15.00"),
    (ProviderKind.AWS_BEDROCK, "anthropic.claude-haiku-4-5", "1.00", "5.00"),
    (ProviderKind.AWS_BEDROCK, "anthropic.claude-sonnet-4-20250514", "3.00", "15.00"),
    (ProviderKind.AWS_BEDROCK, "anthropic.claude-3-7-sonnet", "3.00", "15.00"),
    (ProviderKind.AWS_BEDROCK, "anthropic.claude-sonnet-4-6", "3.00", "15.00"),
    (ProviderKind.GOOGLE_GEMINI, "gemini-2.5-pro", "1.25", "10.00"),
    (ProviderKind.GOOGLE_GEMINI, "gemini-2.5-flash", "0.30", "2.50"),
    (ProviderKind.GOOGLE_GEMINI, "gemini-2.5-flash-lite", "0.10", "0.40"),
    (ProviderKind.GOOGLE_GEMINI, "gemini-3-pro-preview", "2.00", "12.00"),
    (ProviderKind.GOOGLE_GEMINI, "gemini-embedding-001", "0.15", "0.00"),
    (ProviderKind.NOW_LLM, "now-llm", "0.00", "0.00"),
]

# The instance-wide default model provider (*Manage model providers*).
DEFAULT_INSTANCE_PROVIDER = ProviderKind.NOW_LLM
