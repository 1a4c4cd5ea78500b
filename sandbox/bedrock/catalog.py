"""The Bedrock control plane's model lists (service ``bedrock``, not ``bedrock-runtime``):
``GET /foundation-models`` (ListFoundationModels) and ``GET /inference-profiles``
(ListInferenceProfiles), signed like every Bedrock call. The console's alias picker reads
them."""

from __future__ import annotations

import re

from aiohttp import web

from sandbox import faults
from sandbox.bedrock import PROVIDER
from sandbox.bedrock.auth import authenticate
from sandbox.bedrock.claude import anthropic_name
from sandbox.bedrock.errors import render_fault
from sandbox.common import json_response, new_request_id, state
from sandbox.tags import tag

_SCOPE_REGION = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")
_GEOGRAPHY = {"us": "us.", "eu": "eu.", "ap": "apac.", "ca": "ca."}


def _region(request: web.Request) -> str:
    match = _SCOPE_REGION.search(request.headers.get("Authorization", ""))
    return match.group("region") if match else "us-east-1"


async def _authorised(request: web.Request, operation: str) -> tuple[str, str] | web.Response:
    tag(request, provider=PROVIDER, operation=operation)
    account = authenticate(request, await request.read())
    if isinstance(account, web.Response):
        return account
    fault = await faults.apply(request, state(request).faults, PROVIDER, render_fault)
    if fault is not None:
        return fault
    return account, _region(request)


def _arn(region: str, model: str) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


async def list_foundation_models(request: web.Request) -> web.Response:
    found = await _authorised(request, "ListFoundationModels")
    if isinstance(found, web.Response):
        return found
    _account, region = found
    summaries = [
        {
            "modelArn": _arn(region, model),
            "modelId": model,
            "modelName": anthropic_name(model).replace("-", " ").title(),
            "providerName": "Anthropic",
            "inputModalities": ["TEXT", "IMAGE"],
            "outputModalities": ["TEXT"],
            "responseStreamingSupported": True,
            "customizationsSupported": [],
            "inferenceTypesSupported": ["ON_DEMAND", "INFERENCE_PROFILE"],
            "modelLifecycle": {"status": "ACTIVE"},
        }
        for model in state(request).config.aws.models
    ]
    return json_response(
        {"modelSummaries": summaries}, headers={"x-amzn-RequestId": new_request_id()}
    )


async def list_inference_profiles(request: web.Request) -> web.Response:
    found = await _authorised(request, "ListInferenceProfiles")
    if isinstance(found, web.Response):
        return found
    account, region = found
    prefix = _GEOGRAPHY.get(region.split("-")[0], "us.")
    summaries = [
        {
            "inferenceProfileName": f"{prefix.upper().rstrip('.')} {anthropic_name(model)}",
            "inferenceProfileArn": (
                f"arn:aws:bedrock:{region}:{account}:inference-profile/{prefix}{model}"
            ),
            "inferenceProfileId": prefix + model,
            "description": f"Routes requests to {model} across the geography's regions.",
            "models": [{"modelArn": _arn(region, model)}],
            "status": "ACTIVE",
            "type": "SYSTEM_DEFINED",
        }
        for model in state(request).config.aws.models
    ]
    return json_response(
        {"inferenceProfileSummaries": summaries},
        headers={"x-amzn-RequestId": new_request_id()},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/foundation-models", list_foundation_models)
    app.router.add_get("/inference-profiles", list_inference_profiles)
