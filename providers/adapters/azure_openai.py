"""Azure OpenAI: the deployments API (`AzureOpenAI`, api-version) and the v1 API.

Credentials: an API key (`api-key` header) or an Entra ID token (`Authorization: Bearer`).
A custom resource path either names a deployment (`/openai/deployments/gpt4o`, then every call
goes to it) or is a path prefix placed before `/openai` (an API gateway in front of Azure).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import openai

from providers.adapters.base import (
    ChatRequest,
    Diagnosis,
    ErrorKind,
    Message,
    ModelChoice,
    ProviderError,
)
from providers.adapters.openai_common import OpenAIStyleAdapter
from providers.adapters.transport import httpx_client
from providers.choices import AzureApiStyle

DEFAULT_API_VERSION = "2024-10-21"
# A deployment name no one creates: Azure checks the key before the deployment, so a 404 on it
# proves the key belongs to the resource without running (or billing) a completion.
PROBE_DEPLOYMENT = "byok-console-connection-probe"
_AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com")


def split_resource_path(path: str) -> tuple[str, str]:
    """`/prefix/openai/deployments/name` → ("/prefix", "name"); `/prefix` → ("/prefix", "")."""
    path = "/" + path.strip().strip("/") if path.strip().strip("/") else ""
    marker = "/openai/deployments/"
    if marker in path + "/":
        prefix, _, rest = (path + "/").partition(marker)
        return prefix.rstrip("/"), rest.strip("/").split("/")[0]
    if path.endswith("/openai"):
        path = path[: -len("/openai")]
    return path, ""


class AzureOpenAIAdapter(OpenAIStyleAdapter):
    provider_label = "Azure OpenAI"

    def __init__(self, connection: Any) -> None:
        self.prefix, self.fixed_deployment = split_resource_path(connection.resource_path)
        super().__init__(connection)
        if not (self.secret("api_key") or self.secret("entra_token")):
            raise ProviderError(
                "This Azure OpenAI connection has neither an API key nor an Entra ID token.",
                kind=ErrorKind.CONFIG,
            )

    def account(self) -> str:
        host = urlsplit(self.info.endpoint).hostname or ""
        for suffix in _AZURE_HOST_SUFFIXES:
            if host.endswith(suffix):
                return host[: -len(suffix)]
        if self.prefix.startswith("/azure/"):
            return self.prefix.split("/")[2]
        credential = self.secret("api_key") or self.secret("entra_token")
        from providers.outbound.capture import fingerprint

        return f"{urlsplit(self.info.endpoint).netloc} key {fingerprint(credential)}"

    @property
    def v1(self) -> bool:
        return self.info.api_style == AzureApiStyle.V1

    def build_client(self) -> openai.OpenAI:
        http = httpx_client(self.target, self.info.timeout)
        base = self.info.endpoint + self.prefix
        if self.v1:
            return openai.OpenAI(
                base_url=base + "/openai/v1/",
                api_key=self.secret("api_key") or self.secret("entra_token"),
                http_client=http,
                max_retries=0,
                timeout=self.info.timeout,
            )
        kwargs: dict[str, Any] = {
            "azure_endpoint": base,
            "api_version": self.info.api_version or DEFAULT_API_VERSION,
            "http_client": http,
            "max_retries": 0,
            "timeout": self.info.timeout,
        }
        if self.fixed_deployment:
            kwargs["azure_deployment"] = self.fixed_deployment
        if self.secret("api_key"):
            kwargs["api_key"] = self.secret("api_key")
        else:
            kwargs["azure_ad_token"] = self.secret("entra_token")
        return openai.AzureOpenAI(**kwargs)

    def list_models(self) -> list[ModelChoice]:
        """The models the resource offers (`client.models.list()`), after the deployment a
        custom resource path names.

        Azure's data plane no longer lists deployments (`GET /openai/deployments` was retired
        with api-version 2022-12-01); the ARM control plane does, with other credentials. So
        the list holds model names, and a deployment named otherwise is typed in by hand.
        """
        choices = [
            ModelChoice(id=m.id, label=f"model {m.id}", kind="model", capability=m.capability)
            for m in super().list_models()
        ]
        if self.fixed_deployment:
            fixed = ModelChoice(
                id=self.fixed_deployment,
                label=f"deployment {self.fixed_deployment} (custom resource path)",
                kind="deployment",
            )
            choices.insert(0, fixed)
        return choices

    def test_connection(self, model: str | None = None) -> Diagnosis:
        """With a deployment: a 1-token completion on it. Without: the probe deployment."""
        if model or self.fixed_deployment:
            deployment = model or self.fixed_deployment

            def call() -> str:
                self.chat(
                    ChatRequest(
                        model=deployment,
                        messages=(Message(role="user", content="ping"),),
                        max_tokens=1,
                    )
                )
                return f"Azure OpenAI deployment {deployment} answered."

            return self.probe(call)

        def probe_key() -> str:
            try:
                self.chat(
                    ChatRequest(
                        model=PROBE_DEPLOYMENT,
                        messages=(Message(role="user", content="ping"),),
                        max_tokens=1,
                    )
                )
            except ProviderError as exc:
                if exc.kind != ErrorKind.NOT_FOUND:
                    raise
            return (
                f"Azure OpenAI resource {self.target.account} accepted the credentials "
                "(no deployment was named, so none was called)."
            )

        return self.probe(probe_key)
