"""The alias map form's picker: filled from the chosen connection by the real SDKs against
the sandbox, free text beside it, and a reason when the list cannot be read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from providers.adapters import clear_cache
from providers.models import AliasMapping, Connection, OutboundRequest
from sandbox import defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def demo(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    clear_cache()
    seed_demo(sandbox.url)
    yield sandbox
    clear_cache()
    sandbox.clear_faults()


@pytest.fixture
def admin(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def _form(client: Client, key: str, **query: Any) -> str:
    response = client.get(f"/aliases/{key}/map/form/", query, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("alias", "listed", "path"),
    [
        ("claude_large", "us." + defaults.BEDROCK_SONNET_45, "/inference-profiles"),
        ("gpt_large", "gpt-5-chat-2025-08-07", "/openai/models"),
        ("llm_generic_large", "llama-3.3-70b-instruct", "/v1/models"),
    ],
)
def test_it_lists_the_connections_models_in_the_picker(
    demo: Any, admin: Client, alias: str, listed: str, path: str
) -> None:
    html = _form(admin, alias)
    assert 'name="model_choice"' in html
    assert f'<option value="{listed}"' in html
    assert OutboundRequest.objects.filter(path__endswith=path, purpose="connection_test").exists()


def test_it_lists_the_connection_chosen_in_the_form(demo: Any, admin: Client) -> None:
    api = Connection.objects.get(name="contoso-gemini-api")
    html = _form(admin, "gemini_large", connection=api.pk)
    assert '<option value="gemini-2.5-pro"' in html
    assert '<option value="gemini-embedding-001"' not in html  # a chat alias lists chat models
    row = OutboundRequest.objects.filter(connection=api).latest("id")
    assert (row.path, row.status_code) == ("/v1beta/models", 200)


def test_it_maps_an_alias_from_the_picker(demo: Any, admin: Client) -> None:
    conn = Connection.objects.get(name="contoso-bedrock")
    profile = "us." + defaults.BEDROCK_HAIKU_45
    response = admin.post(
        "/aliases/claude_large/map/", {"connection": conn.pk, "model_choice": profile}, **HTMX
    )
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert AliasMapping.objects.get(alias__key="claude_large", is_active=True).model == profile


def test_typed_text_wins_over_the_picker(demo: Any, admin: Client) -> None:
    conn = Connection.objects.get(name="contoso-azure")
    data = {"connection": conn.pk, "model_choice": "gpt-4o-2024-11-20", "model": "gpt41-mini"}
    admin.post("/aliases/gpt_large/map/", data, **HTMX)
    assert AliasMapping.objects.get(alias__key="gpt_large", is_active=True).model == "gpt41-mini"


def test_it_falls_back_to_free_text_and_says_why(demo: SandboxServer, admin: Client) -> None:
    demo.set_faults("aws_bedrock", kind="server_error", fail_next=5)
    html = _form(admin, "claude_large")
    assert '<select name="model_choice"' not in html
    assert 'name="model"' in html
    assert "could not be read" in html
    assert "server error" in html
    conn = Connection.objects.get(name="contoso-bedrock")
    assert OutboundRequest.objects.filter(connection=conn, status_code=500).exists()
    demo.clear_faults()
    response = admin.post(
        "/aliases/claude_large/map/",
        {"connection": conn.pk, "model": defaults.BEDROCK_SONNET_4},
        **HTMX,
    )
    assert "Saved" in response.content.decode()
    mapping = AliasMapping.objects.get(alias__key="claude_large", is_active=True)
    assert mapping.model == defaults.BEDROCK_SONNET_4


def test_free_text_is_still_checked(demo: Any, admin: Client) -> None:
    conn = Connection.objects.get(name="contoso-bedrock")
    response = admin.post("/aliases/claude_large/map/", {"connection": conn.pk, "model": "x y"})
    assert response.status_code == 400
    assert AliasMapping.objects.get(alias__key="claude_large", is_active=True).model != "x y"


def test_neither_picked_nor_typed_is_refused(demo: Any, admin: Client) -> None:
    conn = Connection.objects.get(name="contoso-bedrock")
    response = admin.post("/aliases/claude_large/map/", {"connection": conn.pk})
    assert response.status_code == 400
    assert "Choose a model from the list or type its name." in response.content.decode()


def test_it_notes_that_azure_lists_models_not_deployments(demo: Any, admin: Client) -> None:
    assert "not your deployments" in _form(admin, "gpt_large")


@pytest.mark.parametrize("who", ["operator_user", "auditor_user", "steward_user"])
def test_only_configuring_roles_get_the_picker(
    demo: Any, client: Client, request: pytest.FixtureRequest, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    before = OutboundRequest.objects.count()
    assert client.get("/aliases/claude_large/map/form/").status_code == 403
    assert OutboundRequest.objects.count() == before  # refused before any provider call
