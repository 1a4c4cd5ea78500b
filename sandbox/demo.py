"""`seed_demo`: demo users and sandbox connections with BYOK on, ready to click through.

The connections are written through `import_document`, the same path an administrator's
configuration file takes, so the demo obeys every import rule (endpoint safety included) and
re-running it changes nothing. Every credential is one of the provider sandbox's fake demo
credentials.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import Group, User
from django.db import transaction

from console.services.catalog import seed_catalog
from console.services.config_io import import_document
from core.audit import AuditSource
from core.roles import Role
from providers.endpoints import ALLOWLIST_SETTING, allowlisted_url
from sandbox import defaults as sandbox

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8900"
DEMO_USERS = {
    "admin": Role.ADMIN,
    "operator": Role.OPERATOR,
    "auditor": Role.AUDITOR,
    "steward": Role.STEWARD,
    "platform": Role.PLATFORM,
}
SUPERUSER = "superuser"


class DemoSetupError(Exception):
    """The demo cannot be set up as asked (one sentence saying why)."""


@dataclass
class DemoResult:
    created_users: dict[str, str] = field(default_factory=dict)  # username -> new password
    existing_users: list[str] = field(default_factory=list)
    catalogue: str = ""
    configuration: str = ""


def seed_demo(sandbox_url: str = DEFAULT_SANDBOX_URL) -> DemoResult:
    """Seed the catalogue, the demo users and the sandbox configuration (idempotent)."""
    url = sandbox_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise DemoSetupError(f"{sandbox_url!r} is not a URL such as {DEFAULT_SANDBOX_URL}.")
    if not allowlisted_url(url):
        origin = f"{parts.scheme}://{parts.netloc}"
        raise DemoSetupError(
            f"The sandbox {origin} is not in {ALLOWLIST_SETTING}; "
            f"add it (e.g. {ALLOWLIST_SETTING}={origin}) and run again."
        )
    result = DemoResult()
    with transaction.atomic():
        result.catalogue = seed_catalog().summary()
        _seed_users(result)
        imported = import_document(demo_document(url), source=AuditSource.SYSTEM)
        result.configuration = imported.summary()
    return result


def _seed_users(result: DemoResult) -> None:
    for username, role in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password)
            result.created_users[username] = password
        else:
            result.existing_users.append(username)
        user.groups.add(Group.objects.get(name=role))
    if not User.objects.filter(is_superuser=True).exists():
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=SUPERUSER, email="", password=password)
        result.created_users[SUPERUSER] = password


def _platform_aws() -> dict[str, Any]:
    return next(
        c for c in sandbox.AWS_CREDENTIALS if c["account_id"] == sandbox.AWS_PLATFORM_ACCOUNT_ID
    )


def demo_document(url: str) -> dict[str, Any]:
    """The demo configuration as an import document aimed at the sandbox at `url`."""
    platform_aws = _platform_aws()
    connections: list[dict[str, Any]] = [
        # Platform (OEM) connections: the console operator's own accounts.
        {
            "name": "platform-azure",
            "provider": "azure_openai",
            "owner": "platform",
            "endpoint": f"{url}/azure/platform",
            "api_version": sandbox.AZURE_API_VERSION,
            "api_style": "deployments",
            "description": "Platform Azure OpenAI account (sandbox)",
            "credentials": {"api_key": sandbox.AZURE_PLATFORM_KEY},
        },
        {
            "name": "platform-bedrock",
            "provider": "aws_bedrock",
            "owner": "platform",
            "region": sandbox.AWS_REGION,
            "endpoint": url,
            "description": "Platform AWS account (sandbox)",
            "credentials": {
                "access_key_id": platform_aws["access_key_id"],
                "secret_access_key": platform_aws["secret_access_key"],
            },
        },
        {
            "name": "platform-gemini",
            "provider": "google_gemini",
            "owner": "platform",
            "mode": "gemini_api",
            "endpoint": url,
            "description": "Platform Gemini API key (sandbox)",
            "credentials": {"api_key": sandbox.GEMINI_API_KEYS["platform"][0]},
        },
        {
            "name": "platform-now-llm",
            "provider": "now_llm",
            "endpoint": f"{url}/v1",
            "description": "Now LLM Service (sandbox)",
            "credentials": {"api_key": sandbox.NOW_LLM_API_KEY},
        },
        # Customer (BYOK) connections: Contoso's own accounts.
        {
            "name": "contoso-azure",
            "provider": "azure_openai",
            "endpoint": f"{url}/azure/{sandbox.AZURE_DEFAULT_RESOURCE}",
            "api_version": sandbox.AZURE_API_VERSION,
            "api_style": "deployments",
            "description": "Contoso Azure OpenAI resource (sandbox)",
            "credentials": {"api_key": sandbox.AZURE_DEFAULT_KEY},
        },
        {
            "name": "contoso-bedrock",
            "provider": "aws_bedrock",
            "region": sandbox.AWS_REGION,
            "endpoint": url,
            "description": "Contoso AWS account (sandbox)",
            "credentials": {
                "access_key_id": sandbox.AWS_ACCESS_KEY_ID,
                "secret_access_key": sandbox.AWS_SECRET_ACCESS_KEY,
            },
        },
        {
            "name": "contoso-gemini",
            "provider": "google_gemini",
            "mode": "vertex_ai",
            "project": sandbox.GCP_PROJECT,
            "location": sandbox.GCP_LOCATION,
            "endpoint": url,
            "description": "Contoso Vertex AI project, service account (sandbox)",
            "credentials": {"service_account_json": sandbox.service_account_info(url)},
        },
        {
            "name": "contoso-gemini-api",
            "provider": "google_gemini",
            "mode": "gemini_api",
            "endpoint": url,
            "description": "Contoso Gemini API key (sandbox)",
            "credentials": {"api_key": sandbox.GEMINI_API_KEY},
        },
        {
            "name": "contoso-generic",
            "provider": "generic_llm",
            "endpoint": f"{url}/v1",
            "description": "Contoso OpenAI-compatible gateway (sandbox)",
            "credentials": {"api_key": sandbox.GENERIC_LLM_API_KEY},
        },
    ]
    generic_models = sandbox.OPENAI_COMPATIBLE_ACCOUNTS["generic"]["models"]
    mappings = [
        ("gpt_large", "contoso-azure", "gpt5-chat"),
        ("gpt_small", "contoso-azure", "gpt41-mini"),
        ("gpt_embedding", "contoso-azure", "embed-large"),
        ("claude_large", "contoso-bedrock", sandbox.BEDROCK_SONNET_45),
        ("claude_small", "contoso-bedrock", sandbox.BEDROCK_HAIKU_45),
        ("gemini_large", "contoso-gemini", "gemini-2.5-pro"),
        ("gemini_small", "contoso-gemini", "gemini-2.5-flash"),
        ("gemini_embedding", "contoso-gemini", "gemini-embedding-001"),
        ("llm_generic_large", "contoso-generic", generic_models[0]),
        ("llm_generic_small", "contoso-generic", generic_models[1]),
    ]
    return {
        "version": 1,
        "integrations": {
            "azure_openai": "byok",
            "aws_bedrock": "byok",
            "google_gemini": "byok",
            "generic_llm": "byok",
        },
        "connections": connections,
        "alias_mappings": [
            {"alias": alias, "connection": conn, "model": model} for alias, conn, model in mappings
        ],
        # A few skills served by BYOK providers, so the demo shows every route.
        "model_providers": {
            "skills": {
                "incident_summarization": "azure_openai",
                "chat_summarization": "aws_bedrock",
                "kb_article_generation": "google_gemini",
            }
        },
    }
