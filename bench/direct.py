"""The baseline of the overhead figures: the same chat call made directly with each SDK.

Each client is built as an application would build it (the SDK's own HTTP stack, retries
off, the connection's endpoint and credentials) and called with the request the console
would send for the benchmark skill, so the difference to a skill invocation is the console:
resolution, rendering, the invocation row, outbound capture, usage and the result write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest
from skills.services.execution import build_request
from skills.services.rendering import render_prompt
from skills.services.resolution import resolve


def request_for(skill_key: str, input: dict[str, Any]) -> tuple[Any, ChatRequest]:
    """The resolved connection and the ChatRequest the console sends for this skill."""
    from skills.models import Skill

    skill = Skill.objects.get(key=skill_key)
    resolution = resolve(skill)
    system, prompt = render_prompt(
        skill, resolution.variant.template, resolution.variant.system_prompt, input, None
    )
    return resolution.connection, build_request(resolution, system, prompt)


def direct_call(skill_key: str, input: dict[str, Any]) -> Callable[[], object]:
    """A zero-argument function making the skill's chat call with the bare SDK."""
    connection, request = request_for(skill_key, input)
    kind = connection.provider.kind
    secrets = dict(connection.secrets)
    adapter = get_adapter(connection)  # only its pure request translation is used
    timeout = float(connection.timeout_seconds)
    if kind in ("azure_openai", "generic_llm", "now_llm"):
        import openai

        if kind == "azure_openai":
            client = openai.AzureOpenAI(
                azure_endpoint=connection.endpoint.rstrip("/"),
                api_version=connection.api_version,
                api_key=secrets["api_key"],
                max_retries=0,
                timeout=timeout,
            )
        else:
            client = openai.OpenAI(
                base_url=connection.endpoint.rstrip("/") + "/",
                api_key=secrets["api_key"],
                max_retries=0,
                timeout=timeout,
            )
        params = adapter.params(request)  # type: ignore[attr-defined]

        def call() -> object:
            return client.chat.completions.create(**params)

        return call
    if kind == "aws_bedrock":
        import boto3
        from botocore.config import Config

        from providers.adapters import bedrock_format

        client = boto3.client(
            "bedrock-runtime",
            region_name=connection.region or "us-east-1",
            endpoint_url=connection.endpoint or None,
            aws_access_key_id=connection.access_key_id or secrets.get("access_key_id"),
            aws_secret_access_key=secrets["secret_access_key"],
            config=Config(
                retries={"mode": "standard", "total_max_attempts": 1},
                connect_timeout=timeout,
                read_timeout=timeout,
            ),
        )
        params = bedrock_format.converse_params(request)

        def call() -> object:
            return client.converse(**params)

        return call
    if kind == "google_gemini":
        from google.genai import Client, types

        from providers.adapters.gemini import to_contents

        options = types.HttpOptions(
            base_url=connection.endpoint.rstrip("/") + "/",
            api_version=connection.api_version
            or ("v1" if connection.mode == "vertex_ai" else "v1beta"),
            timeout=int(timeout * 1000),
        )
        if connection.mode == "vertex_ai":
            from google.oauth2 import service_account

            raw = secrets["service_account_json"]
            info = json.loads(raw) if isinstance(raw, str) else raw
            credentials = service_account.Credentials.from_service_account_info(
                info, scopes=["https://www.googleapis.com/auth/cloud-platform"]
            )
            client = Client(
                vertexai=True,
                project=connection.project,
                location=connection.location or "us-central1",
                credentials=credentials,
                http_options=options,
            )
        else:
            client = Client(api_key=secrets["api_key"], http_options=options)
        contents = to_contents(request)
        config = adapter._config(request)  # type: ignore[attr-defined]

        def call() -> object:
            return client.models.generate_content(
                model=request.model, contents=contents, config=config
            )

        return call
    raise SystemExit(f"no direct SDK call for provider kind {kind}")
