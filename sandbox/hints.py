"""The sandbox's customer demo credentials, handed to the console for development pages.

Only the customer (Contoso) accounts: the platform accounts' keys stay with the operator even
in the sandbox. The console shows these under the rule of `providers.devhints`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from providers.devhints import DemoCredential
from sandbox import defaults


def _azure(endpoint: str) -> list[DemoCredential]:
    path = urlsplit(endpoint).path.strip("/").split("/")
    resource = path[1] if len(path) >= 2 and path[0] == "azure" else defaults.AZURE_DEFAULT_RESOURCE
    account = defaults.AZURE_RESOURCES.get(resource)
    if account is None or resource == "platform":
        return []
    hints = [DemoCredential(f"API key ({resource})", key) for key in account["api_keys"]]
    hints += [DemoCredential(f"Entra ID token ({resource})", t) for t in account["entra_tokens"]]
    hints.append(DemoCredential("Deployments", ", ".join(account["deployments"])))
    return hints


def _bedrock() -> list[DemoCredential]:
    hints: list[DemoCredential] = []
    for cred in defaults.AWS_CREDENTIALS:
        if cred["account_id"] != defaults.AWS_ACCOUNT_ID:
            continue
        regions = ", ".join(cred["regions"])
        hints.append(DemoCredential(f"Access key id ({regions})", cred["access_key_id"]))
        hints.append(DemoCredential("Secret access key", cred["secret_access_key"]))
        if cred.get("session_token"):
            hints.append(DemoCredential("Session token", cred["session_token"]))
    hints.append(DemoCredential("Bedrock API key (TLS sandbox only)", defaults.BEDROCK_API_KEY))
    return hints


def customer_credentials(kind: str, endpoint: str) -> list[DemoCredential]:
    if kind == "azure_openai":
        return _azure(endpoint)
    if kind == "aws_bedrock":
        return _bedrock()
    if kind == "google_gemini":
        return [
            *(DemoCredential("Gemini API key", k) for k in defaults.GEMINI_API_KEYS["contoso"]),
            DemoCredential("Vertex AI project", defaults.GCP_PROJECT),
            DemoCredential("Service-account JSON", "written by seed_demo for this project"),
        ]
    if kind == "generic_llm":
        return [DemoCredential("API key", defaults.GENERIC_LLM_API_KEY)]
    return []
