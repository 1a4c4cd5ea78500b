"""OpenAI-compatible endpoints: the generic LLM (BYOK) and the platform's Now LLM (OEM).

The key goes in `Authorization: Bearer` unless the connection names another header, in which
case it goes there and no Authorization header is sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import openai

from providers.adapters.base import Diagnosis, ErrorKind, ProviderError
from providers.adapters.openai_common import OpenAIStyleAdapter
from providers.adapters.transport import httpx_client
from providers.outbound.capture import fingerprint


class OpenAICompatAdapter(OpenAIStyleAdapter):
    provider_label = "The LLM endpoint"

    def account(self) -> str:
        return f"{urlsplit(self.info.endpoint).netloc} key {fingerprint(self.secret('api_key'))}"

    def build_client(self) -> openai.OpenAI:
        key = self.secret("api_key")
        if not key:
            raise ProviderError("This connection has no API key.", kind=ErrorKind.CONFIG)
        return openai.OpenAI(
            base_url=self.info.endpoint + "/",
            api_key=key,
            http_client=httpx_client(self.target, self.info.timeout),
            max_retries=0,
            timeout=self.info.timeout,
        )

    @property
    def key_header(self) -> str:
        """The connection's own key header ("" means the standard Authorization: Bearer)."""
        header = (self.info.header_name or "").strip()
        return "" if header.lower() == "authorization" else header

    def auth_headers(self) -> dict[str, Any]:
        if not self.key_header:
            return {}
        return {self.key_header: self.secret("api_key"), "Authorization": openai.omit}

    def test_connection(self, model: str | None = None) -> Diagnosis:
        """`GET /models`: proves the key without a billed completion; checks `model` is listed."""

        def call() -> str:
            with self.errors():
                models = [m.id for m in self.client.models.list(**self.request_options())]
            if model and model not in models:
                raise ProviderError(
                    f"The endpoint does not offer model {model!r} "
                    f"(it lists: {', '.join(models[:10]) or 'none'}).",
                    kind=ErrorKind.NOT_FOUND,
                )
            return f"The endpoint accepted the key and lists {len(models)} model(s)."

        return self.probe(call)
