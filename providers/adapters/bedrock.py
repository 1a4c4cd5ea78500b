"""Anthropic Claude on Amazon Bedrock through boto3 `bedrock-runtime`.

Converse by default; InvokeModel with the Anthropic Messages body when the connection asks for
it. Credentials: an access key pair (+ session token), a Bedrock API key (bearer, https only),
and optionally a role assumed through STS with those credentials. Every HTTP attempt is logged
through botocore's own events (`bedrock_capture`); retries are off (`total_max_attempts=1`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.tokens import FrozenAuthToken

from providers.adapters import bedrock_capture, bedrock_format
from providers.adapters.base import (
    ChatRequest,
    ChatResult,
    Diagnosis,
    ErrorKind,
    ModelChoice,
    ProviderError,
    StreamEvent,
    Usage,
)
from providers.adapters.bedrock_errors import map_bedrock_error
from providers.adapters.common import ConnectionAdapter
from providers.adapters.transport import ca_bundle
from providers.choices import BedrockApi

ROLE_REFRESH_MARGIN = 300  # seconds before expiry at which assumed-role credentials renew


class _StaticTokenProvider:
    """botocore token provider holding one Bedrock API key (no process-wide env var)."""

    def __init__(self, token: str) -> None:
        self._token = FrozenAuthToken(token)

    def load_token(self, **kwargs: Any) -> FrozenAuthToken:
        return self._token


class BedrockAdapter(ConnectionAdapter):
    provider_label = "Amazon Bedrock"

    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self.region = self.info.region or "us-east-1"
        if not (
            self.secret("bedrock_api_key")
            or (self.info.access_key_id and self.secret("secret_access_key"))
        ):
            raise ProviderError(
                "This Bedrock connection has neither an access key pair nor a Bedrock API key.",
                kind=ErrorKind.CONFIG,
            )
        self._client: Any = None
        self._expires_at: float | None = None
        self._lock = threading.Lock()

    def account(self) -> str:
        if self.info.access_key_id and not self.secret("bedrock_api_key"):
            who = self.info.access_key_id
        else:
            from providers.outbound.capture import fingerprint

            who = "api-key " + fingerprint(self.secret("bedrock_api_key"))
        suffix = f" as {self.info.role_arn}" if self.info.role_arn else ""
        return f"{who} {self.info.region or 'us-east-1'}{suffix}"

    # -- client ------------------------------------------------------------------------------
    def _config(self) -> Config:
        options: dict[str, Any] = {
            "retries": {"mode": "standard", "total_max_attempts": 1},
            "connect_timeout": self.info.timeout,
            "read_timeout": self.info.timeout,
            "user_agent_appid": "byok-console",
        }
        if self.secret("bedrock_api_key"):
            options["auth_scheme_preference"] = "httpBearerAuth"
        return Config(**options)

    def _session(self) -> boto3.session.Session:
        core = botocore.session.Session()
        api_key = self.secret("bedrock_api_key")
        if api_key:
            core.register_component("token_provider", _StaticTokenProvider(api_key))
            return boto3.session.Session(botocore_session=core, region_name=self.region)
        return boto3.session.Session(
            botocore_session=core,
            aws_access_key_id=self.info.access_key_id,
            aws_secret_access_key=self.secret("secret_access_key"),
            aws_session_token=self.secret("session_token") or None,
            region_name=self.region,
        )

    def _build(self, service: str = "bedrock-runtime") -> Any:
        session = self._session()
        common: dict[str, Any] = {
            "region_name": self.region,
            "endpoint_url": self.info.endpoint or None,
            "verify": ca_bundle(),
            "config": self._config(),
        }
        if self.info.role_arn:
            session = self._assume_role(session, common)
        client = session.client(service, **common)  # type: ignore[call-overload]
        bedrock_capture.register(client, self.target)
        return client

    def _assume_role(self, session: boto3.session.Session, common: dict[str, Any]) -> Any:
        """STS AssumeRole with the connection's keys; the runtime client uses the role."""
        from dataclasses import replace

        from providers.choices import Purpose

        sts_common = dict(common)
        if self.info.endpoint:
            sts_common["endpoint_url"] = self.info.endpoint
        sts = session.client("sts", **sts_common)
        bedrock_capture.register(sts, replace(self.target, purpose=Purpose.TOKEN))
        with bedrock_capture.errors(self):
            answer = sts.assume_role(
                RoleArn=self.info.role_arn, RoleSessionName="byok-console", DurationSeconds=3600
            )
        creds = answer["Credentials"]
        self._expires_at = creds["Expiration"].timestamp()
        return boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=self.region,
        )

    @property
    def client(self) -> Any:
        expired = self._expires_at is not None and (
            self._expires_at - time.time() < ROLE_REFRESH_MARGIN
        )
        if self._client is None or expired:
            with self._lock:
                if self._client is None or (
                    self._expires_at is not None
                    and self._expires_at - time.time() < ROLE_REFRESH_MARGIN
                ):
                    self._client = self._build()
        return self._client

    @property
    def invoke_model(self) -> bool:
        return self.info.bedrock_api == BedrockApi.INVOKE_MODEL

    # -- calls -------------------------------------------------------------------------------
    def chat(self, request: ChatRequest) -> ChatResult:
        with bedrock_capture.errors(self):
            if self.invoke_model:
                answer = self.client.invoke_model(
                    modelId=request.model,
                    body=json.dumps(bedrock_format.anthropic_body(request)),
                    contentType="application/json",
                    accept="application/json",
                )
                pending = bedrock_capture.take_pending()
                body = answer["body"].read()
                if pending is not None:
                    pending.finish(body=body)
                try:
                    data = json.loads(body)
                except ValueError:
                    raise ProviderError(
                        "Amazon Bedrock sent a response that could not be parsed.",
                        kind=ErrorKind.MALFORMED,
                        provider_request_id=answer["ResponseMetadata"].get("RequestId", ""),
                    ) from None
                return bedrock_format.from_anthropic(data, answer["ResponseMetadata"])
            answer = self.client.converse(**bedrock_format.converse_params(request))
            return bedrock_format.from_converse(answer)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        with bedrock_capture.errors(self):
            if self.invoke_model:
                answer = self.client.invoke_model_with_response_stream(
                    modelId=request.model,
                    body=json.dumps(bedrock_format.anthropic_body(request)),
                    contentType="application/json",
                    accept="application/json",
                )
                events = bedrock_format.anthropic_stream(answer)
            else:
                answer = self.client.converse_stream(**bedrock_format.converse_params(request))
                events = bedrock_format.converse_stream(answer)
            pending = bedrock_capture.take_pending()
            error = ""
            try:
                yield from events
            except BaseException as exc:
                error = f"{type(exc).__name__}: {exc}"
                raise
            finally:
                if pending is not None:
                    pending.finish(error=error)

    def test_connection(self, model: str | None = None) -> Diagnosis:
        """CountTokens on the model: proves keys, region and model access; it is not billed."""
        model_id = model or "anthropic.claude-sonnet-4-5-20250929-v1:0"

        def call() -> str:
            with bedrock_capture.errors(self):
                answer = self.client.count_tokens(
                    modelId=model_id,
                    input={
                        "converse": {"messages": [{"role": "user", "content": [{"text": "ping"}]}]}
                    },
                )
            return (
                f"Amazon Bedrock accepted the credentials in {self.region} and model {model_id} "
                f"is available (count-tokens answered {answer.get('inputTokens', 0)})."
            )

        return self.probe(call)

    def list_models(self) -> list[ModelChoice]:
        """The control plane (`bedrock`, not `bedrock-runtime`): the Anthropic foundation
        models the account offers in its region, then the inference profiles (a model called
        through a profile id, e.g. `us.anthropic…`, is routed across the geography's regions;
        newer Claude models are callable only that way)."""
        control = self._build("bedrock")
        with bedrock_capture.errors(self):
            models = control.list_foundation_models(byProvider="Anthropic")["modelSummaries"]
            profiles = control.list_inference_profiles()["inferenceProfileSummaries"]
        choices = [
            ModelChoice(id=m["modelId"], label=m.get("modelName", ""), capability="chat")
            for m in models
            if "TEXT" in m.get("outputModalities", ["TEXT"])
        ]
        choices += [
            ModelChoice(
                id=p["inferenceProfileId"],
                label=p.get("inferenceProfileName", ""),
                kind="inference_profile",
                capability="chat",
            )
            for p in profiles
            if ".anthropic." in "." + p["inferenceProfileId"]
        ]
        return choices

    def map_error(self, exc: BaseException) -> ProviderError | None:
        return map_bedrock_error(self, exc)


__all__ = ["BedrockAdapter", "Usage"]
