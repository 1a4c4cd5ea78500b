"""Every provider mode the adapters support, as connections against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from providers.models import Connection
from sandbox import defaults as d
from tests.providers.conftest import make_connection


@dataclass(frozen=True)
class Mode:
    id: str
    fault_provider: str  # the sandbox's fault channel
    chat_model: str
    embed_model: str | None
    build: Callable[[str, dict[str, Any]], Connection]
    secrets: Callable[[str], dict[str, Any]]

    def connection(self, url: str, **fields: Any) -> Connection:
        return self.build(url, fields)


def _azure(style: str) -> Callable[[str, dict[str, Any]], Connection]:
    def build(url: str, fields: dict[str, Any]) -> Connection:
        fields.setdefault("secrets", {"api_key": d.AZURE_DEFAULT_KEY})
        return make_connection(
            "azure_openai", endpoint=url, api_version=d.AZURE_API_VERSION, api_style=style, **fields
        )

    return build


def _bedrock(api: str) -> Callable[[str, dict[str, Any]], Connection]:
    def build(url: str, fields: dict[str, Any]) -> Connection:
        fields.setdefault("secrets", {"secret_access_key": d.AWS_SECRET_ACCESS_KEY})
        fields.setdefault("access_key_id", d.AWS_ACCESS_KEY_ID)
        return make_connection(
            "aws_bedrock", endpoint=url, region=d.AWS_REGION, bedrock_api=api, **fields
        )

    return build


def _gemini_api(url: str, fields: dict[str, Any]) -> Connection:
    fields.setdefault("secrets", {"api_key": d.GEMINI_API_KEY})
    return make_connection("google_gemini", endpoint=url, mode="gemini_api", **fields)


def _vertex(secret: Callable[[str], dict[str, Any]]) -> Callable[[str, dict[str, Any]], Connection]:
    def build(url: str, fields: dict[str, Any]) -> Connection:
        fields.setdefault("secrets", secret(url))
        fields.setdefault("project", d.GCP_PROJECT)
        return make_connection(
            "google_gemini", endpoint=url, mode="vertex_ai", location=d.GCP_LOCATION, **fields
        )

    return build


def _sa(url: str) -> dict[str, Any]:
    return {"service_account_json": json.dumps(d.service_account_info(url))}


def _compat(kind: str, key: str) -> Callable[[str, dict[str, Any]], Connection]:
    def build(url: str, fields: dict[str, Any]) -> Connection:
        fields.setdefault("secrets", {"api_key": key})
        return make_connection(kind, endpoint=url + "/v1", **fields)

    return build


MODES = [
    Mode(
        "azure_deployments",
        "azure_openai",
        "gpt4o-prod",
        "embed-small",
        _azure("deployments"),
        lambda url: {"api_key": d.AZURE_DEFAULT_KEY},
    ),
    Mode(
        "azure_v1",
        "azure_openai",
        "gpt4o-prod",
        "embed-small",
        _azure("v1"),
        lambda url: {"api_key": d.AZURE_DEFAULT_KEY},
    ),
    Mode(
        "bedrock_converse",
        "aws_bedrock",
        d.BEDROCK_SONNET_45,
        None,
        _bedrock("converse"),
        lambda url: {"secret_access_key": d.AWS_SECRET_ACCESS_KEY},
    ),
    Mode(
        "bedrock_invoke",
        "aws_bedrock",
        d.BEDROCK_SONNET_45,
        None,
        _bedrock("invoke_model"),
        lambda url: {"secret_access_key": d.AWS_SECRET_ACCESS_KEY},
    ),
    Mode(
        "gemini_api",
        "google_gemini",
        "gemini-2.5-flash",
        "gemini-embedding-001",
        _gemini_api,
        lambda url: {"api_key": d.GEMINI_API_KEY},
    ),
    Mode(
        "vertex_service_account",
        "google_gemini",
        "gemini-2.5-flash",
        "gemini-embedding-001",
        _vertex(_sa),
        _sa,
    ),
    Mode(
        "vertex_express",
        "google_gemini",
        "gemini-2.5-flash",
        "gemini-embedding-001",
        _vertex(lambda url: {"api_key": d.VERTEX_EXPRESS_API_KEY}),
        lambda url: {"api_key": d.VERTEX_EXPRESS_API_KEY},
    ),
    Mode(
        "generic_llm",
        "openai_compatible",
        "llama-3.3-70b-instruct",
        "bge-m3",
        _compat("generic_llm", d.GENERIC_LLM_API_KEY),
        lambda url: {"api_key": d.GENERIC_LLM_API_KEY},
    ),
    Mode(
        "now_llm",
        "openai_compatible",
        "now-llm-large",
        "now-llm-embed",
        _compat("now_llm", d.NOW_LLM_API_KEY),
        lambda url: {"api_key": d.NOW_LLM_API_KEY},
    ),
]
BY_ID = {m.id: m for m in MODES}
# A wrong credential of the same shape per mode (the bad-key case).
BAD_SECRETS: dict[str, dict[str, Any]] = {
    "azure_deployments": {"api_key": "wrong-azure-key-000000000000"},
    "azure_v1": {"api_key": "wrong-azure-key-000000000000"},
    "bedrock_converse": {"secret_access_key": "wrong-aws-secret-0000000000000000000000"},
    "bedrock_invoke": {"secret_access_key": "wrong-aws-secret-0000000000000000000000"},
    "gemini_api": {"api_key": "wrong-gemini-key-0000000000000"},
    "vertex_express": {"api_key": "wrong-vertex-key-0000000000000"},
    "generic_llm": {"api_key": "wrong-generic-key-00000000000"},
    "now_llm": {"api_key": "wrong-now-key-0000000000000000"},
}
