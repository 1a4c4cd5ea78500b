"""Examples of every spec field, and the host/path grammar cases, shared by the door tests.

`EXAMPLES` must hold a valid value of every field of every provider spec (a test checks it),
so a setting added to `providers.specs` is added here too, and every door test then covers it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from providers.choices import ProviderKind
from providers.specs import SPECS
from sandbox import defaults as d

SERVICE_ACCOUNT = {
    "type": "service_account",
    "client_email": "byok@contoso-genai.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n",
    "token_uri": "https://oauth2.googleapis.com/token",
}
# Hosts the cases below may use besides the providers' public ones (tests set the setting).
EXTRA_HOSTS = ["http://127.0.0.1:*", "https://127.0.0.1:*", "https://llm.example.com"]

# A valid value of each field of each spec, as the configuration document gives it.
EXAMPLES: dict[tuple[str, str], Any] = {
    (ProviderKind.AZURE_OPENAI, "endpoint"): "https://contoso.openai.azure.com",
    (ProviderKind.AZURE_OPENAI, "api_version"): "2024-10-21",
    (ProviderKind.AZURE_OPENAI, "api_style"): "deployments",
    (ProviderKind.AZURE_OPENAI, "resource_path"): "/openai/deployments/gpt4o-prod",
    (ProviderKind.AZURE_OPENAI, "api_key"): "sk-example-azure-key-0001",
    (ProviderKind.AZURE_OPENAI, "entra_token"): "eyJ0eXAiOiJKV1QiLCJleGFtcGxlIjoxfQ.e30.sig",
    (ProviderKind.AWS_BEDROCK, "region"): "us-east-1",
    (ProviderKind.AWS_BEDROCK, "access_key_id"): "AKIAEXAMPLE0001",
    (ProviderKind.AWS_BEDROCK, "role_arn"): d.AWS_ROLE_ARN,
    (ProviderKind.AWS_BEDROCK, "endpoint"): "https://bedrock-runtime.eu-central-1.amazonaws.com",
    (ProviderKind.AWS_BEDROCK, "bedrock_api"): "converse",
    (ProviderKind.AWS_BEDROCK, "secret_access_key"): "aws-example-secret-access-key-0001",
    (ProviderKind.AWS_BEDROCK, "session_token"): "aws-example-session-token-0001",
    (ProviderKind.AWS_BEDROCK, "bedrock_api_key"): "bedrock-example-api-key-0001",
    (ProviderKind.GOOGLE_GEMINI, "mode"): "vertex_ai",
    (ProviderKind.GOOGLE_GEMINI, "project"): d.GCP_PROJECT,
    (ProviderKind.GOOGLE_GEMINI, "location"): d.GCP_LOCATION,
    (ProviderKind.GOOGLE_GEMINI, "endpoint"): "https://us-central1-aiplatform.googleapis.com",
    (ProviderKind.GOOGLE_GEMINI, "api_version"): "v1",
    (ProviderKind.GOOGLE_GEMINI, "api_key"): "gemini-example-api-key-0001",
    (ProviderKind.GOOGLE_GEMINI, "service_account_json"): SERVICE_ACCOUNT,
    (ProviderKind.NOW_LLM, "endpoint"): "https://llm.example.com/v1",
    (ProviderKind.NOW_LLM, "header_name"): "X-Api-Key",
    (ProviderKind.NOW_LLM, "api_key"): "now-example-api-key-0001",
    (ProviderKind.GENERIC_LLM, "endpoint"): "https://llm.example.com/v1",
    (ProviderKind.GENERIC_LLM, "header_name"): d.GATEWAY_LLM_HEADER,
    (ProviderKind.GENERIC_LLM, "api_key"): "generic-example-api-key-0001",
}

# Values that become part of a host name or URL path: (kind, setting, value) the provider's
# grammar accepts, including every value the demo, the sandbox and the existing tests use.
GOOD: list[tuple[str, str, str]] = [
    (ProviderKind.AZURE_OPENAI, "endpoint", "https://contoso-eu.cognitiveservices.azure.com"),
    (ProviderKind.AZURE_OPENAI, "endpoint", "http://127.0.0.1:8900/azure/contoso"),
    (ProviderKind.AZURE_OPENAI, "api_version", d.AZURE_API_VERSION),
    (ProviderKind.AZURE_OPENAI, "api_version", "2025-04-01-preview"),
    (ProviderKind.AZURE_OPENAI, "api_version", "preview"),
    (ProviderKind.AZURE_OPENAI, "resource_path", "/gateway"),
    (ProviderKind.AZURE_OPENAI, "resource_path", "/gateway/openai/deployments/gpt-4.1_mini"),
    (ProviderKind.AWS_BEDROCK, "region", d.AWS_REGION),
    (ProviderKind.AWS_BEDROCK, "region", "eu-central-1"),
    (ProviderKind.AWS_BEDROCK, "region", "us-gov-west-1"),
    (ProviderKind.AWS_BEDROCK, "endpoint", "https://bedrock-runtime-fips.us-east-1.amazonaws.com"),
    (ProviderKind.AWS_BEDROCK, "endpoint", "http://127.0.0.1:8900"),
    (ProviderKind.GOOGLE_GEMINI, "project", "p"),
    (ProviderKind.GOOGLE_GEMINI, "project", d.GCP_PLATFORM_PROJECT),
    (ProviderKind.GOOGLE_GEMINI, "project", "no-such-project"),
    (ProviderKind.GOOGLE_GEMINI, "project", "123456789012"),
    (ProviderKind.GOOGLE_GEMINI, "project", "example.com:contoso-genai"),
    (ProviderKind.GOOGLE_GEMINI, "location", "europe-west4"),
    (ProviderKind.GOOGLE_GEMINI, "location", "global"),
    (ProviderKind.GOOGLE_GEMINI, "api_version", "v1beta"),
    (ProviderKind.GOOGLE_GEMINI, "api_version", "v1beta1"),
    (ProviderKind.GOOGLE_GEMINI, "endpoint", "https://generativelanguage.googleapis.com"),
    (ProviderKind.GOOGLE_GEMINI, "endpoint", "https://aiplatform.googleapis.com"),
    (ProviderKind.GENERIC_LLM, "endpoint", "http://127.0.0.1:8900/v1"),
]

# (kind, setting, value, a fragment of the message): refused by the provider's grammar.
BAD: list[tuple[str, str, str, str]] = [
    (ProviderKind.AZURE_OPENAI, "endpoint", "https://contoso.openai.azure.com/?x=1", "query"),
    (ProviderKind.AZURE_OPENAI, "endpoint", "https://contoso.openai.azure.com/a/../b", "path"),
    (ProviderKind.AZURE_OPENAI, "endpoint", "https://evil.example.com", "not a public host"),
    (ProviderKind.AZURE_OPENAI, "api_version", "2024-13-01", "Azure OpenAI API version"),
    (ProviderKind.AZURE_OPENAI, "api_version", "2024-10-21&x=1", "Azure OpenAI API version"),
    (ProviderKind.AZURE_OPENAI, "api_version", "v1beta", "Azure OpenAI API version"),
    (ProviderKind.AZURE_OPENAI, "resource_path", "/openai/deployments/", "deployment name"),
    (ProviderKind.AZURE_OPENAI, "resource_path", "/openai/deployments/a/b", "deployment name"),
    (ProviderKind.AZURE_OPENAI, "resource_path", "/openai/deployments/../x", "URL path"),
    (ProviderKind.AZURE_OPENAI, "resource_path", "/gateway?x=1", "URL path"),
    (ProviderKind.AWS_BEDROCK, "region", "us-east-1.evil.example", "AWS Region"),
    (ProviderKind.AWS_BEDROCK, "region", "US-EAST-1", "AWS Region"),
    (ProviderKind.AWS_BEDROCK, "region", "us-east", "AWS Region"),
    (ProviderKind.AWS_BEDROCK, "endpoint", "https://bedrock-runtime.evil.amazonaws.com", "Region"),
    (ProviderKind.AWS_BEDROCK, "role_arn", "role/bedrock-invoke", "role ARN"),
    (ProviderKind.GOOGLE_GEMINI, "project", "Contoso Project", "project ID"),
    (ProviderKind.GOOGLE_GEMINI, "project", "contoso/../other", "project ID"),
    (ProviderKind.GOOGLE_GEMINI, "project", "contoso-", "project ID"),
    (ProviderKind.GOOGLE_GEMINI, "location", "us-central1.evil.example", "Vertex AI location"),
    (ProviderKind.GOOGLE_GEMINI, "location", "US-CENTRAL1", "Vertex AI location"),
    (ProviderKind.GOOGLE_GEMINI, "api_version", "2024-10-21", "v1 or v1beta"),
    (ProviderKind.GOOGLE_GEMINI, "api_version", "v1/../v2", "v1 or v1beta"),
    (ProviderKind.GOOGLE_GEMINI, "endpoint", "https://evil-aiplatform.googleapis.com", "location"),
    (ProviderKind.GENERIC_LLM, "endpoint", "https://llm.example.com/v1#x", "fragment"),
    (ProviderKind.GENERIC_LLM, "header_name", "X Api Key", "header name"),
]


def base_item(kind: str) -> dict[str, Any]:
    """A valid document entry of `kind`: its required settings and its first credentials."""
    spec = SPECS[kind]
    item: dict[str, Any] = {"name": f"case-{kind.replace('_', '-')}", "provider": kind}
    for name in spec.required_settings:
        item[name] = EXAMPLES[(kind, name)]
    for rule in spec.required_when:
        if item.get(rule.setting) == rule.value:
            item.update({n: EXAMPLES[(kind, n)] for n in rule.requires})
    item["credentials"] = {n: EXAMPLES[(kind, n)] for n in spec.auth_options[0]}
    if not spec.byok:
        item["owner"] = "platform"
    return copy.deepcopy(item)


def with_value(kind: str, name: str, value: Any) -> dict[str, Any]:
    """`base_item(kind)` with one field set: a setting at the top, a secret in credentials."""
    item = base_item(kind)
    if name in SPECS[kind].secrets:
        item["credentials"][name] = value
    else:
        item["credentials"].pop(name, None)  # the access key id may come in either place
        item[name] = value
    return item


def form_data(item: dict[str, Any], provider_pk: int) -> dict[str, Any]:
    """A document entry as the connection form posts it (secrets in `secret_*` inputs)."""
    data: dict[str, Any] = {
        "provider": provider_pk,
        "name": item["name"],
        "owner": item.get("owner", "customer"),
        "is_active": "on",
        "timeout_seconds": 60,
    }
    for name, value in item.items():
        if name not in {"name", "provider", "owner", "credentials"}:
            data[name] = value
    for name, value in item.get("credentials", {}).items():
        if name in SPECS[item["provider"]].settings:
            data[name] = value
        else:
            data[f"secret_{name}"] = json.dumps(value) if isinstance(value, dict) else value
    return data
