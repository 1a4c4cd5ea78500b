"""The models, deployments and inference profiles a connection offers, listed by the real
SDKs against the sandbox, logged like every provider request, and explained when they fail."""

from __future__ import annotations

import pytest

from providers import catalog
from providers.models import OutboundRequest
from sandbox import defaults as d
from tests.providers.modes import MODES

pytestmark = pytest.mark.django_db

BY_ID = {m.id: m for m in MODES}
# mode → an id the list must hold, the call the sandbox must have seen
EXPECTED = {
    "azure_deployments": ("gpt-4o-2024-11-20", "/openai/models"),
    "azure_v1": ("gpt-4o-2024-11-20", "/openai/v1/models"),
    "bedrock_converse": (d.BEDROCK_SONNET_45, "/inference-profiles"),
    "gemini_api": ("gemini-2.5-pro", "/v1beta/models"),
    "vertex_service_account": ("gemini-2.5-pro", "/publishers/google/models"),
    "vertex_express": ("gemini-2.5-pro", "/publishers/google/models"),
    "generic_llm": ("llama-3.3-70b-instruct", "/v1/models"),
}


@pytest.mark.parametrize("mode_id", list(EXPECTED))
def test_it_lists_what_the_account_offers(sandbox, mode_id: str) -> None:
    model, path = EXPECTED[mode_id]
    connection = BY_ID[mode_id].connection(sandbox.url)
    listing = catalog.list_models(connection)
    assert listing.ok, listing.error
    assert model in [c.id for c in listing.choices]
    rows = OutboundRequest.objects.filter(connection=connection, purpose="connection_test")
    assert any(r.path.endswith(path) and r.status_code == 200 for r in rows), [
        (r.path, r.status_code) for r in rows
    ]


def test_it_lists_bedrock_inference_profiles_beside_foundation_models(sandbox) -> None:
    connection = BY_ID["bedrock_converse"].connection(sandbox.url)
    listing = catalog.list_models(connection)
    kinds = {c.id: c.kind for c in listing.choices}
    assert kinds[d.BEDROCK_SONNET_45] == "model"
    assert kinds["us." + d.BEDROCK_SONNET_45] == "inference_profile"
    paths = set(
        OutboundRequest.objects.filter(connection=connection).values_list("path", flat=True)
    )
    assert {"/foundation-models", "/inference-profiles"} <= paths


def test_it_keeps_chat_models_for_a_chat_alias(sandbox) -> None:
    connection = BY_ID["azure_deployments"].connection(sandbox.url)
    ids = [c.id for c in catalog.list_models(connection, capability="chat").choices]
    assert "gpt-4o-2024-11-20" in ids
    assert "text-embedding-3-large" not in ids
    embeddings = catalog.list_models(connection, capability="embedding").choices
    assert [c.id for c in embeddings] == ["text-embedding-3-large", "text-embedding-3-small"]


def test_it_puts_the_custom_resource_paths_deployment_first(sandbox) -> None:
    connection = BY_ID["azure_deployments"].connection(
        sandbox.url, resource_path="/openai/deployments/gpt4o-prod"
    )
    first = catalog.list_models(connection).choices[0]
    assert (first.id, first.kind) == ("gpt4o-prod", "deployment")
    assert "custom resource path" in first.label


@pytest.mark.parametrize("mode_id", ["azure_v1", "bedrock_converse", "gemini_api", "generic_llm"])
def test_it_says_why_when_the_provider_fails(sandbox, mode_id: str) -> None:
    mode = BY_ID[mode_id]
    connection = mode.connection(sandbox.url)
    sandbox.set_faults(mode.fault_provider, kind="server_error", fail_next=5)
    listing = catalog.list_models(connection)
    assert not listing.ok
    assert listing.choices == []
    assert "server error" in listing.error
    row = OutboundRequest.objects.filter(connection=connection).latest("id")
    assert row.status_code >= 500  # Google answers 503 UNAVAILABLE, the others 500


def test_it_says_why_when_the_key_is_refused(sandbox) -> None:
    connection = BY_ID["gemini_api"].connection(
        sandbox.url, secrets={"api_key": "wrong-gemini-key-0000000000000"}
    )
    listing = catalog.list_models(connection)
    assert "credentials were refused" in listing.error
    assert "wrong-gemini-key" not in listing.error
