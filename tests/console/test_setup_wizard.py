"""The guided BYOK set-up per provider: each step, the card's checklist and who may use it,
with the real SDKs against the provider sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from console.services.setup import setup_progress
from providers.adapters import clear_cache
from providers.choices import ConnectionOwner, IntegrationMode, ProviderKind
from providers.models import AliasMapping, Connection, HealthCheck, Provider
from providers.outbound.models import OutboundRequest
from sandbox import defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from skills.choices import PolicyScope
from skills.models import ModelProviderPolicy, Skill
from tests.api.eager import eager_tasks

pytestmark = pytest.mark.django_db
__all__ = ["eager_tasks"]

WRONG_KEY = "sandbox-azure-key-nobody-9999"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def empty_provider(kind: str) -> Provider:
    """The demo, with one provider back to where a new customer starts: OEM, no connection
    of the customer's, no alias mapped."""
    provider = Provider.objects.get(kind=kind)
    AliasMapping.objects.filter(alias__provider=provider).delete()
    Connection.objects.filter(provider=provider, owner=ConnectionOwner.CUSTOMER).delete()
    Provider.objects.filter(pk=provider.pk).update(integration_mode=IntegrationMode.OEM)
    provider.refresh_from_db()
    return provider


def empty_azure() -> Provider:
    return empty_provider(ProviderKind.AZURE_OPENAI)


@pytest.fixture
def demo(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    clear_cache()
    seed_demo(sandbox.url)
    yield sandbox
    clear_cache()


@pytest.fixture
def admin(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def _azure_post(sandbox: SandboxServer, key: str = defaults.AZURE_DEFAULT_KEY, **extra: str):
    data = {
        "mode": "api_key",
        "name": "wizard-azure",
        "endpoint": f"{sandbox.url}/azure/{defaults.AZURE_DEFAULT_RESOURCE}",
        "api_version": defaults.AZURE_API_VERSION,
        "api_style": "deployments",
        "secret_api_key": key,
        "timeout_seconds": "5",
    }
    data.update(extra)
    return data


def _inputs(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_]+)"', html))


# -- step 1: only the provider's (and mode's) fields ------------------------------------------
@pytest.mark.parametrize(
    ("kind", "mode", "shown", "hidden"),
    [
        (
            "azure_openai",
            "api_key",
            {"endpoint", "api_version", "secret_api_key"},
            {"region", "project", "secret_entra_token", "secret_bedrock_api_key"},
        ),
        (
            "aws_bedrock",
            "access_keys",
            {"region", "access_key_id", "secret_secret_access_key"},
            {"secret_bedrock_api_key", "project", "api_version", "secret_api_key"},
        ),
        (
            "aws_bedrock",
            "api_key",
            {"region", "secret_bedrock_api_key"},
            {"access_key_id", "secret_secret_access_key"},
        ),
        (
            "google_gemini",
            "gemini_api",
            {"secret_api_key", "api_version"},
            {"project", "location", "secret_service_account_json", "region"},
        ),
        (
            "google_gemini",
            "vertex_ai",
            {"project", "location", "secret_service_account_json"},
            {"secret_api_key", "region", "access_key_id"},
        ),
    ],
)
def test_it_shows_only_the_fields_of_the_provider_and_mode(
    demo: Any, admin: Client, kind: str, mode: str, shown: set[str], hidden: set[str]
) -> None:
    response = admin.get(f"/setup/{kind}/?mode={mode}")
    assert response.status_code == 200
    names = _inputs(response.content.decode())
    assert shown <= names
    assert not (hidden & names)


def test_each_field_carries_the_portal_help_of_its_provider(demo: Any, admin: Client) -> None:
    html = admin.get("/setup/google_gemini/?mode=vertex_ai").content.decode()
    assert "IAM &amp; Admin → Service accounts" in html
    assert "project picker" in html
    # Not another provider's help for the shared endpoint/version fields.
    assert "Keys and Endpoint" not in html


def test_a_bad_key_is_refused_and_the_connection_stays_inactive(
    demo: SandboxServer, admin: Client
) -> None:
    empty_azure()
    response = admin.post("/setup/azure_openai/connection/", _azure_post(demo, WRONG_KEY))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Test failed" in html
    assert WRONG_KEY not in html
    conn = Connection.objects.get(name="wizard-azure")
    assert not conn.is_active
    assert HealthCheck.objects.filter(connection=conn, kind="test", ok=False).exists()
    # Corrected on the same stored connection: the test passes and it turns on.
    data = _azure_post(demo, connection=str(conn.pk))
    response = admin.post("/setup/azure_openai/connection/", data)
    assert response.status_code == 302
    conn.refresh_from_db()
    assert conn.is_active
    assert Connection.objects.filter(name="wizard-azure").count() == 1


def test_a_failed_connection_is_saved_only_when_confirmed(
    demo: SandboxServer, admin: Client
) -> None:
    empty_azure()
    admin.post("/setup/azure_openai/connection/", _azure_post(demo, WRONG_KEY))
    conn = Connection.objects.get(name="wizard-azure")
    data = _azure_post(demo, WRONG_KEY, connection=str(conn.pk), confirm="1")
    assert admin.post("/setup/azure_openai/connection/", data).status_code == 302
    conn.refresh_from_db()
    assert conn.is_active


def test_an_invalid_form_shows_its_errors(demo: SandboxServer, admin: Client) -> None:
    response = admin.post("/setup/azure_openai/connection/", _azure_post(demo, endpoint=""))
    assert response.status_code == 400
    assert not Connection.objects.filter(name="wizard-azure").exists()


def test_the_vertex_mode_is_fixed_on_the_connection(demo: SandboxServer, admin: Client) -> None:
    data = {
        "mode": "vertex_ai",
        "name": "wizard-vertex",
        "project": defaults.GCP_PROJECT,
        "location": defaults.GCP_LOCATION,
        "endpoint": f"{demo.url}/vertex",
        "secret_service_account_json": "{}",
        "timeout_seconds": "5",
    }
    admin.post("/setup/google_gemini/connection/", data)
    # A malformed key file is refused by the spec's grammar before anything is stored.
    assert not Connection.objects.filter(name="wizard-vertex").exists()


# -- steps 2, 3, 5 and the checklist ---------------------------------------------------------
def test_the_whole_azure_setup_from_an_empty_provider(
    demo: SandboxServer, admin: Client, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    azure = empty_azure()
    progress = setup_progress(azure)
    # The demo already sends one skill (incident summarization) to Azure: step 4 is done.
    assert [s.done for s in progress.steps] == [False, False, False, True, False]
    assert {a.key for a in progress.unmapped} >= {"gpt_large", "gpt_small"}

    assert admin.post("/setup/azure_openai/connection/", _azure_post(demo)).status_code == 302
    conn = Connection.objects.get(name="wizard-azure")
    assert setup_progress(azure).steps[0].done

    # BYOK refused while no alias is mapped: the readiness message says why.
    response = admin.post("/setup/azure_openai/byok/", {"confirm": "1"})
    assert response.status_code == 400
    azure.refresh_from_db()
    assert azure.integration_mode == IntegrationMode.OEM

    # Step 3: the alias picker, the one shared with Model aliases.
    response = admin.post("/aliases/gpt_large/map/", {"connection": conn.pk, "model": "gpt4o-prod"})
    assert response.status_code == 302
    page = admin.get("/setup/azure_openai/").content.decode()
    assert "gpt_small" in page.split("Unmapped:")[1].split("</p>")[0]

    # Step 2: the first POST shows the impact, the confirmed one switches.
    response = admin.post("/setup/azure_openai/byok/")
    assert "Switch Azure OpenAI to BYOK?" in response.content.decode()
    azure.refresh_from_db()
    assert azure.integration_mode == IntegrationMode.OEM
    assert admin.post("/setup/azure_openai/byok/", {"confirm": "1"}).status_code == 302
    azure.refresh_from_db()
    assert azure.integration_mode == IntegrationMode.BYOK
    assert setup_progress(azure).steps[1].done

    # Step 4: the generic prompt skill goes to Azure (the validate step's sample).
    generic = Skill.objects.get(key="generic_prompt")
    ModelProviderPolicy.objects.create(scope=PolicyScope.SKILL, skill=generic, provider=azure)
    assert setup_progress(azure).overrides == 2

    # Step 5: the run's outbound request went to the customer's own resource.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/setup/azure_openai/validate/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="load delay:1s"' in html  # queued: the fragment asks again
    invocation = html.split("?invocation=")[1].split('"')[0]
    response = admin.get(f"/setup/azure_openai/validate/?invocation={invocation}")
    html = response.content.decode()
    assert "load delay" not in html
    row = OutboundRequest.objects.filter(provider=azure, purpose="invocation").latest("created_at")
    assert row.route == "byok"
    assert row.connection_id == conn.pk
    assert f"/validation/{row.pk}/" in html
    assert row.account in html
    assert "Yes" in html
    progress = setup_progress(azure)
    assert progress.validated == row
    assert progress.steps[4].done

    # The card's checklist on Manage integration says the same.
    card = admin.get("/").content.decode().split('id="provider-azure_openai"')[1]
    card = card.split("</section>")[0]
    assert card.count('class="done"') == 4  # every step but the unmapped aliases
    assert 'href="/setup/azure_openai/"' in card


def test_the_card_checklist_shows_a_configured_provider_done(demo: SandboxServer) -> None:
    azure = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    progress = setup_progress(azure)
    assert progress.tested is None  # the demo's connection was never tested
    assert progress.byok_on
    assert not progress.unmapped
    assert progress.validated is None


def test_a_platform_managed_provider_has_no_setup(demo: Any, admin: Client) -> None:
    assert admin.get("/setup/now_llm/").status_code == 404
    assert admin.get("/setup/nothing/").status_code == 404


# -- roles ------------------------------------------------------------------------------------
def test_only_configure_uses_the_wizard_and_view_config_sees_the_checklist(
    demo: Any, client: Client, operator_user: Any, auditor_user: Any
) -> None:
    client.force_login(operator_user)
    assert client.get("/setup/azure_openai/").status_code == 403
    assert client.post("/setup/azure_openai/byok/", {"confirm": "1"}).status_code == 403
    assert client.post("/setup/azure_openai/validate/").status_code == 403
    card = client.get("/").content.decode()
    assert "setup-checklist" in card
    assert 'href="/setup/azure_openai/"' not in card
    client.force_login(auditor_user)
    assert client.get("/setup/azure_openai/").status_code == 403
    assert client.post("/setup/azure_openai/connection/", {}).status_code == 403


# -- step 1 for the other providers and modes ------------------------------------------------
def _other_post(kind_mode: str, url: str, good: bool) -> dict[str, str]:
    bad = "sandbox-wrong-0000"
    posts = {
        "aws_bedrock/access_keys": {
            "region": defaults.AWS_REGION,
            "endpoint": url,
            "access_key_id": defaults.AWS_ACCESS_KEY_ID,
            "secret_secret_access_key": defaults.AWS_SECRET_ACCESS_KEY if good else bad,
        },
        "google_gemini/gemini_api": {
            "endpoint": url,
            "secret_api_key": defaults.GEMINI_API_KEY if good else bad,
        },
        "google_gemini/vertex_ai": {
            "project": defaults.GCP_PROJECT if good else "nobody-project-0000",
            "location": defaults.GCP_LOCATION,
            "endpoint": url,
            "secret_service_account_json": json.dumps(defaults.service_account_info(url)),
        },
    }
    return {"name": "wizard-conn", "timeout_seconds": "5", **posts[kind_mode]}


@pytest.mark.parametrize(
    "kind_mode",
    [
        "aws_bedrock/access_keys",
        # (Bedrock API keys are bearer tokens the SDK sends only over HTTPS; the sandbox
        # serves HTTP, so that mode is checked for its fields only.)
        "google_gemini/gemini_api",
        "google_gemini/vertex_ai",
    ],
)
def test_each_provider_mode_is_tested_before_it_is_turned_on(
    demo: SandboxServer, admin: Client, kind_mode: str
) -> None:
    kind, mode = kind_mode.split("/")
    provider = Provider.objects.get(kind=kind)
    bad = _other_post(kind_mode, demo.url, good=False)
    response = admin.post(f"/setup/{kind}/connection/", {"mode": mode, **bad})
    html = response.content.decode()
    assert response.status_code == 200, re.findall(r'class="error">([^<]*)<', html)
    assert "Test failed" in html, html[
        html.find("step-connection") : html.find("step-connection") + 3000
    ]
    conn = Connection.objects.get(name="wizard-conn")
    assert not conn.is_active
    good = _other_post(kind_mode, demo.url, good=True)
    data = {"mode": mode, "connection": str(conn.pk), **good}
    response = admin.post(f"/setup/{kind}/connection/", data)
    last = HealthCheck.objects.filter(connection=conn).first()
    assert response.status_code == 302, last.message if last else ""
    conn.refresh_from_db()
    assert conn.is_active
    if kind == "google_gemini":
        assert conn.mode == mode
    assert setup_progress(provider).tested == conn


def test_validate_says_when_no_skill_serves_the_provider(demo: Any, admin: Client) -> None:
    # In the demo no record-free skill goes to Bedrock (its override is a record skill).
    response = admin.post("/setup/aws_bedrock/validate/")
    assert response.status_code == 400
    assert "No skill without a record uses" in response.content.decode()


def test_validate_reads_back_only_a_run_of_that_provider(demo: Any, admin: Client) -> None:
    assert admin.get("/setup/azure_openai/validate/?invocation=nope").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert admin.get(f"/setup/azure_openai/validate/?invocation={missing}").status_code == 404


def test_validate_offers_to_route_the_sample_skill_when_none_serves(
    demo: Any, admin: Client
) -> None:
    page = admin.get("/setup/aws_bedrock/").content.decode()
    assert 'name="route_sample"' in page
    assert "Route the sample skill" in page
    # Where a record-free skill already goes to the provider, nothing is offered.
    azure = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    from console.services.setup import routable_sample, sample_skill

    assert (routable_sample(azure) is None) == (sample_skill(azure) is not None)


def test_a_ticked_validate_routes_the_sample_skill_and_runs_it_on_that_provider(
    demo: Any,
    admin: Client,
    admin_user: Any,
    eager_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bedrock = Provider.objects.get(kind=ProviderKind.AWS_BEDROCK)
    generic = Skill.objects.get(key="generic_prompt")
    assert not ModelProviderPolicy.objects.filter(skill=generic, provider=bedrock).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/setup/aws_bedrock/validate/", {"route_sample": "1"})
    assert response.status_code == 200, response.content.decode()[:2000]
    policy = ModelProviderPolicy.objects.get(scope=PolicyScope.SKILL, skill=generic)
    assert policy.provider == bedrock
    assert policy.is_active
    event = AuditEvent.objects.filter(object_id=str(policy.pk)).latest("created_at")
    assert event.action == "create"
    assert event.actor_id == admin_user.pk
    row = OutboundRequest.objects.filter(provider=bedrock, purpose="invocation").latest(
        "created_at"
    )
    assert row.route == "byok"
    assert row.connection.owner == ConnectionOwner.CUSTOMER
    html = admin.get(f"/setup/aws_bedrock/validate/?invocation={row.invocation_id}")
    assert "Yes" in html.content.decode()
    assert f"/validation/{row.pk}/" in html.content.decode()
    # A second run needs no tick: the skill now goes to Bedrock.
    page = admin.get("/setup/aws_bedrock/").content.decode()
    assert 'name="route_sample"' not in page
    assert "Run “Generic prompt”" in page


def test_an_unticked_validate_changes_no_policy(demo: Any, admin: Client) -> None:
    before = list(ModelProviderPolicy.objects.values_list("pk", "provider_id", "is_active"))
    assert admin.post("/setup/google_gemini/validate/").status_code == 400
    after = list(ModelProviderPolicy.objects.values_list("pk", "provider_id", "is_active"))
    assert before == after
