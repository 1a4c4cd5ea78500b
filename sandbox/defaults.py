"""Default demo accounts of the provider sandbox.

Used by :meth:`SandboxConfig.default`, by the demo seeding command (which creates connections
pointing at these accounts) and by tests. Every secret here is fake and says so ("sandbox-…");
the RSA keys were generated once for the sandbox and protect nothing.
"""

from __future__ import annotations

import copy
from typing import Any

# --- Azure OpenAI ------------------------------------------------------------------------------

AZURE_API_VERSION = "2024-10-21"

AZURE_RESOURCES: dict[str, dict[str, Any]] = {
    "contoso": {
        "api_keys": ["sandbox-azure-key-contoso-0001", "sandbox-azure-key-contoso-0002"],
        "entra_tokens": ["sandbox-entra-token-contoso-0001"],
        "deployments": {
            "gpt4o-prod": "gpt-4o-2024-11-20",
            "gpt41-mini": "gpt-4.1-mini-2025-04-14",
            "gpt5-chat": "gpt-5-chat-2025-08-07",
            "embed-large": "text-embedding-3-large",
            "embed-small": "text-embedding-3-small",
        },
        "region": "eastus",
    },
    "fabrikam": {
        "api_keys": ["sandbox-azure-key-fabrikam-0001"],
        "entra_tokens": ["sandbox-entra-token-fabrikam-0001"],
        "deployments": {
            "gpt-4o": "gpt-4o-2024-11-20",
            "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
            "text-embedding-3-small": "text-embedding-3-small",
        },
        "region": "westeurope",
    },
    # The platform-managed (OEM) Azure account of the console operator.
    "platform": {
        "api_keys": ["sandbox-azure-key-platform-0001"],
        "entra_tokens": [],
        "deployments": {
            # The operator names platform deployments after the model version they serve,
            # so the OEM route can use an alias's default (or overridden) version directly.
            "gpt-4o": "gpt-4o-2024-11-20",
            "gpt-4.1": "gpt-4.1-2025-04-14",
            "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
            "gpt-5": "gpt-5-2025-08-07",
            "gpt-5-mini": "gpt-5-mini-2025-08-07",
            "gpt-5.4": "gpt-5.4-2026-03-05",
            "text-embedding-3-large": "text-embedding-3-large",
            "text-embedding-3-small": "text-embedding-3-small",
        },
        "region": "eastus2",
    },
}
AZURE_DEFAULT_RESOURCE = "contoso"
AZURE_DEFAULT_KEY = AZURE_RESOURCES["contoso"]["api_keys"][0]
AZURE_PLATFORM_KEY = AZURE_RESOURCES["platform"]["api_keys"][0]

# --- Amazon Bedrock ----------------------------------------------------------------------------

BEDROCK_MODELS: list[str] = [
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-sonnet-4-20250514-v1:0",
    "anthropic.claude-opus-4-1-20250805-v1:0",
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-opus-4-6-v1",
    "anthropic.claude-sonnet-4-6",
    "anthropic.claude-opus-4-7",
]
BEDROCK_SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
BEDROCK_HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
BEDROCK_SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
BEDROCK_SONNET_46 = "anthropic.claude-sonnet-4-6"
BEDROCK_INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "global.")

AWS_ACCOUNT_ID = "111122223333"
AWS_PLATFORM_ACCOUNT_ID = "444455556666"

# A role the first contoso key may assume through STS (AssumeRole on the sandbox).
AWS_ROLE_ARN = f"arn:aws:iam::{AWS_ACCOUNT_ID}:role/byok-bedrock-invoke"

AWS_CREDENTIALS: list[dict[str, Any]] = [
    {
        "access_key_id": "AKIASANDBOXCONTOSO01",
        "secret_access_key": "sandbox-aws-secret-contoso-0001-xxxxxxxxxxxx",
        "regions": ["us-east-1", "us-west-2"],
        "account_id": AWS_ACCOUNT_ID,
        "roles": [AWS_ROLE_ARN],
    },
    {
        "access_key_id": "AKIASANDBOXCONTOSOEU",
        "secret_access_key": "sandbox-aws-secret-contoso-eu01-xxxxxxxxxxxx",
        "regions": ["eu-central-1", "eu-west-1"],
        "account_id": AWS_ACCOUNT_ID,
    },
    {
        # Temporary (STS) credentials: the session token must be sent and signed.
        "access_key_id": "ASIASANDBOXCONTOSO01",
        "secret_access_key": "sandbox-aws-temp-secret-contoso-0001-xxxxxxx",
        "session_token": "sandbox-aws-session-token-contoso-0001",
        "regions": ["us-east-1"],
        "account_id": AWS_ACCOUNT_ID,
    },
    {
        "access_key_id": "AKIASANDBOXPLATFORM1",
        "secret_access_key": "sandbox-aws-secret-platform-0001-xxxxxxxxxxx",
        "regions": ["us-east-1", "us-west-2", "eu-central-1"],
        "account_id": AWS_PLATFORM_ACCOUNT_ID,
    },
]
AWS_ACCESS_KEY_ID = AWS_CREDENTIALS[0]["access_key_id"]
AWS_SECRET_ACCESS_KEY = AWS_CREDENTIALS[0]["secret_access_key"]
AWS_REGION = "us-east-1"
AWS_SESSION_CREDENTIALS = AWS_CREDENTIALS[2]
# Bedrock API key (Authorization: Bearer, only over TLS) → account id.
BEDROCK_API_KEYS: dict[str, str] = {"sandbox-bedrock-api-key-contoso-0001": AWS_ACCOUNT_ID}
BEDROCK_API_KEY = "sandbox-bedrock-api-key-contoso-0001"

# --- Google Gemini / Vertex AI -----------------------------------------------------------------

GEMINI_MODELS: list[str] = [
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-3-pro-preview",
    "gemini-3-flash-preview",
    "gemini-flash-latest",
    "gemini-pro-latest",
    "gemini-embedding-001",
    "text-embedding-005",
]
GEMINI_API_KEYS: dict[str, list[str]] = {
    "contoso": ["sandbox-gemini-key-contoso-0001"],
    "platform": ["sandbox-gemini-key-platform-0001"],
}
GEMINI_API_KEY = GEMINI_API_KEYS["contoso"][0]

GCP_PROJECT = "contoso-genai-sandbox"
GCP_PLATFORM_PROJECT = "byok-platform-sandbox"
GCP_LOCATION = "us-central1"

GCP_SERVICE_ACCOUNT_KEYS: dict[str, str] = {
    GCP_PROJECT: """-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCxzSpl1l1nVFlV
JpwC8l/ihdmzGesu2h1cSJasQ2ex+pCYw/8lWSmzDkq6vXR00z20PcW82OTMEmg1
epS61AhCn+LX44sGzfySn1Cg4z44cMOOey6a6Y8JECWc9ShZ0+C8zF2+UHfX1b1k
ol/awz3nDny+UF9jykIs++AZC5uR3nab4P+lDSk9NYX9j0Tc1RDVsRy/t/rXR0hI
Q5EUlrlj0uQqVrGouuQgB+dPFFBN+G8/UvWABNH0vOmaW+iU2Qr93WWN9P/xLK6u
W4RW2PXTw3FxUjI27fioO9lJvZHDFCU3xPxwbKp5GGYS5Ffqi1mUAL153OWiXF60
JO2rtaGXAgMBAAECggEAAnilskLao6/vQSs1BYkVLDEt4wQDoycGYGYJUPLHFZLq
/cehVYVqpRokXuedmUkjf+TvJM2gST8uJ4XZdPuzSL01mYVXswLxE9DT61oUFiAT
HRegvZWdX8P4NnAKE/d0FbBF32HU8Po814Wqbr1CWvTLl7xxlLBNzSn5uy0Zmk8T
MLSLpKmk5FUqqsF4hiRAdu+lltFDHJyVVIYxDW4MXlfwqr3XT1cmu1KUHSQCouKa
F+cUrfPmLvHzkEK6lI2uVXAQA2BP+BQU3p2oUAllYhiyMvgI2A0Xw7L3opnij1jc
++MSrTL/36uQS2gI7gp2O4VC2A/FU8fVRCF7lvrImQKBgQDZYkn2UrF0Q3tm+h9/
wBI9tdatT6xeAGTrpALUNj9L3JDqIfeJhMdOjjBwrvJ9XwGpQYmmMs4Et5K8wvc+
TpsLju4s95C4kKHzptT12Xo9+dLGulwzxKH9DJ+HR9iO0L5o+R5dEI5M2hF7K7dy
denGVdW6ZRYqOTj/+2FO5zC7wwKBgQDRYtRuu1Uncf7QtKBnopyzXiHiwsQnp5ut
QZvR3ZBSQ7VLJErvLBsYyfZZRo2C5LZyvgIoMAYroa91fZsjRPpJID05JYzJBvFu
fAI/UpYxQXXxkFbfCif0X2jnPXZpJyUhKvm7alFlt4q4tmVl1D+W8QLa1CAFIP/1
lUNe73rpnQKBgEuo9AkxuuW2Xwr2X2Q9W5vy4CcuJdYJ2RZS3VEzGFC1EhMLg3Zv
qlbjEmUF3wxXtuJMFzarVB08L2xXh2o+PaSGOMuZ1tsGK/f7xv9SlENh4kSctF6o
P6EtdZDGJs9+Q+eRXUoS6xRAifkOvCiwdY88bMkVSeOkSvx9Z97ohIO1AoGBALWh
t4k+s8V9238L0MFVi/0EQPzF2wZTHHYUnahVPGZAGbnPB7mlVvQP7cTPsN3ErIeo
T5Kw5glfPib7CGJ16W8ZqkIyUofnn/MpW4G2kFa15Cvh+5mK49HWGdfNtzPMIyc8
clmjBmzn5EwK3LaSgX7cHo/YxtXsJFzSWBi4QLT5AoGBAL+R+6PprsnOZo5OejRA
e9wuGPfwt6r9wSf33PskE9G8d34SWWp7YfL3nL8fTPHT4g5tQCgByFCgMFb+MU+4
agHmzWWEZqCxrpdkAI0s/wYpCCqWIXjlxqTRL1YrQJrLs4GRz58dPlC+NZUw5/59
CMUA1x1NQG4xm8xFEf2MG6se
-----END PRIVATE KEY-----
""",
    GCP_PLATFORM_PROJECT: """-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCP1kbIM+kfT6Rt
JXDErzHZEA6IDhR3XqnRIQzxIYRuGZHOkQuebV0zWDZWwUmAigs32jxsscjEzj4/
OPeJW8g+2UEenbVSxpXEtzifb7m5lC79f1KzThrFggFJUpviIaUTSipmldpU75sA
IMwiWCEuurlCg0MSfUQis8wR56tBCCNcKo4uDGXYadpTsFwh/Y22RmI8HvP39veD
6I7sXDvl5EbTqMzLXrxN5Xn72gR+hdI6BOxSp8SvUGM+jpWmcB1sSOHRjIvJJrDx
FXB7lL1E1oy6TzzOp3oBok+9tlTL6xRMYjSpyFazVm76b1g6AXvn/PZYOt4YyDAC
UjLIdbKDAgMBAAECggEABI4AfCilv1krAHy0eujbfoJQYggBkBYcwoOkrxbHh38u
VEMedlemxD7qH2dXfCRXR1OsW0BqU3y4yyhzApPyL1nYX93/U+gPYmgGhM6vcc8j
cics55oXvL/pgQ/MPyX8gO4NBgkiNMfI3Lty9Y2isNB8gPcMNKzzhqonOw5HtC2c
6JkS4yHsNcRKk3PHbIA4M1j6EclCoL02pIW88Df3uUR4YCRRpb9OE7ty9xh0YmUa
xTLH6g+ktXZ+EkhFZMdgpQv9X6TWxZgNXGRgUnFR5PENfS2UFoRoICab11w0IOl8
hiFYlhl58s6EOvN46WxpK9orRjEU/tVoElAzm99uQQKBgQDFfv8uEB9uW8FGupvQ
Xa37+znSuSRnkOZA1USWwZ7lOF26KOLtEeuvCsgtE7FzBGByZgBj3FTSdg8GW1rf
uqZxF8v25pesDgfkSbZGqAkSvG2O2q4Qpd2jczQr+AfRwuxq2pWAPMJfhUJtfgAY
3bdPDjDD0+LvO06wrDSrMboyywKBgQC6chM3UPaDQWKaFssp5hZhKKtcFBWuStMn
9O37phMoUpN9bgpUXgwry0rEURss3qquRLteSEPvqjbseDKhEUhxg8dlYNZjFjDf
CQkse+qWVlhGLWR1iK1MA3B5KWTI62oB58SFCQ0jA/HajGVC4ijuECf+QjmTRvOZ
Y1wAvSiwKQKBgQCXKRHFPt/fxujS6udxfxI4qFvkloJvpm8ltlZOERo+FXtfjgXK
MAo1Ksp1/fm2r+XmCX5I8I4Xm/b6BZgzX5gfPXiGnI4ASajuqSCTSe/P4Fr2mRfb
dCiE/xsygB/0A/6R9oWw5lBbbhKe3W7TmXfBUXovmJC8TKd5AAU79s6uKwKBgQCF
IeHg1PpBvVW4K+CEmZyPYigChwD4RMvEs1ugHvV9DIHuxb2wgrt0JiTMTBH4l0MP
T1rvtvBz2XqAnk+gvaOaEvw1wtEzTew1xtD7J7zZ/uvnqJAccS01oxsUGV+zLI60
r5efW1g7EZ0Ibsn72VxaqcS1BPrx1G8rr0xJ5siACQKBgQCtA1AB2zZ/8h6fi+Np
UQWx03zrpK/y/NokiK7AiUlQ6IJ3W548442qTaNQmK4WUdK7WfctYGKCqZ+B3FKS
rYA6LxAtZzG15UMAo/RZtAO1KkgMJ3cgJ/zm9U3/MlwMCq6ZxGnZZy2zDNT+M5z2
3ahrwkNzU8z5Z7EwQlJXNfcF1A==
-----END PRIVATE KEY-----
""",
}

GCP_PROJECTS: dict[str, dict[str, Any]] = {
    GCP_PROJECT: {
        "locations": ["us-central1", "europe-west4", "global"],
        "client_email": f"byok-console@{GCP_PROJECT}.iam.gserviceaccount.com",
        "private_key_id": "sandbox0000000000000000000000000000000001",
        "express_api_keys": ["sandbox-vertex-express-key-contoso-0001"],
        "access_tokens": ["sandbox-gcp-access-token-contoso-0001"],
    },
    GCP_PLATFORM_PROJECT: {
        "locations": ["us-central1", "global"],
        "client_email": f"platform@{GCP_PLATFORM_PROJECT}.iam.gserviceaccount.com",
        "private_key_id": "sandbox0000000000000000000000000000000002",
        "express_api_keys": [],
        "access_tokens": [],
    },
}
VERTEX_EXPRESS_API_KEY = GCP_PROJECTS[GCP_PROJECT]["express_api_keys"][0]
GCP_ACCESS_TOKEN = GCP_PROJECTS[GCP_PROJECT]["access_tokens"][0]


def service_account_info(sandbox_url: str, project: str = GCP_PROJECT) -> dict[str, str]:
    """Service-account JSON of ``project`` whose ``token_uri`` points at the sandbox.

    google-auth posts the signed JWT to ``token_uri``; pointing it at ``{sandbox_url}/token``
    lets the unmodified SDK obtain an access token bound to that project.
    """
    project_info = GCP_PROJECTS[project]
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": project_info["private_key_id"],
        "private_key": GCP_SERVICE_ACCOUNT_KEYS[project],
        "client_email": project_info["client_email"],
        "client_id": "100000000000000000" + project_info["private_key_id"][-3:],
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": sandbox_url.rstrip("/") + "/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + project_info["client_email"],
        "universe_domain": "googleapis.com",
    }


# --- OpenAI-compatible (platform now_llm and a generic LLM) ------------------------------------

OPENAI_COMPATIBLE_ACCOUNTS: dict[str, dict[str, Any]] = {
    "now_llm": {
        "api_keys": ["sandbox-now-llm-key-0001"],
        "models": ["now-llm-large", "now-llm-small", "now-llm-embed"],
    },
    "generic": {
        "api_keys": ["sandbox-generic-llm-key-0001"],
        "models": ["llama-3.3-70b-instruct", "mistral-large-2411", "bge-m3"],
    },
    # Behind an API gateway: the key goes in X-Api-Key; Authorization: Bearer is not accepted.
    "gateway": {
        "api_keys": ["sandbox-gateway-llm-key-0001"],
        "models": ["llama-3.3-70b-instruct", "bge-m3"],
        "header_name": "X-Api-Key",
    },
}
NOW_LLM_API_KEY = OPENAI_COMPATIBLE_ACCOUNTS["now_llm"]["api_keys"][0]
GENERIC_LLM_API_KEY = OPENAI_COMPATIBLE_ACCOUNTS["generic"]["api_keys"][0]
GATEWAY_LLM_API_KEY = OPENAI_COMPATIBLE_ACCOUNTS["gateway"]["api_keys"][0]
GATEWAY_LLM_HEADER = OPENAI_COMPATIBLE_ACCOUNTS["gateway"]["header_name"]


def default_config_dict() -> dict[str, Any]:
    """The default sandbox configuration as plain data (a deep copy, safe to modify)."""
    projects = {
        pid: {
            "locations": p["locations"],
            "service_accounts": [
                {
                    "client_email": p["client_email"],
                    "private_key": GCP_SERVICE_ACCOUNT_KEYS[pid],
                    "private_key_id": p["private_key_id"],
                }
            ],
            "express_api_keys": p["express_api_keys"],
            "access_tokens": p["access_tokens"],
        }
        for pid, p in GCP_PROJECTS.items()
    }
    return copy.deepcopy(
        {
            "azure": AZURE_RESOURCES,
            "aws": {
                "credentials": AWS_CREDENTIALS,
                "api_keys": BEDROCK_API_KEYS,
                "models": BEDROCK_MODELS,
            },
            "gcp": {
                "gemini_api_keys": GEMINI_API_KEYS,
                "projects": projects,
                "models": GEMINI_MODELS,
            },
            "openai_compatible": OPENAI_COMPATIBLE_ACCOUNTS,
        }
    )
