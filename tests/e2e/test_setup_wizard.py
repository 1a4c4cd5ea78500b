"""The guided BYOK set-up in a real browser, against the provider sandbox: for each provider
(Azure OpenAI deployments, Bedrock with IAM access keys, the Gemini API, Vertex AI with a
service account), from nothing of the customer's to a validated BYOK request."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from console.services.setup import setup_progress
from providers.choices import IntegrationMode
from providers.models import Connection, OutboundRequest
from sandbox import defaults as sandbox_defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from tests.api.eager import eager_tasks
from tests.console.test_setup_wizard import WRONG_KEY, empty_azure, empty_provider
from tests.e2e.conftest import login, screenshot

__all__ = ["eager_tasks"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A first provider call imports and builds an SDK client; on a loaded machine that takes seconds.
PROVIDER_CALL_MS = 45_000


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def test_an_admin_sets_up_azure_byok_from_nothing_to_a_validated_request(
    page, live_server, admin_user, sandbox, eager_tasks
):
    seed_demo(sandbox.url)
    azure = empty_azure()
    base = live_server.url
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{base}/")
    card = page.locator("#provider-azure_openai")
    assert card.locator(".setup-checklist li.done").count() == 1  # only the optional step 4
    card.locator("a.setup-link", has_text="Set up BYOK").click()
    page.wait_for_url(f"{base}/setup/azure_openai/")
    # Only Azure's fields: no Bedrock region, no Gemini project.
    assert page.locator("input[name=region], input[name=project]").count() == 0
    assert "Keys and Endpoint" in page.locator("#step-connection").inner_text()

    # Step 1: a wrong key is tested and refused; the connection waits inactive.
    page.fill("input[name=name]", "wizard-azure")
    page.fill(
        "input[name=endpoint]", f"{sandbox.url}/azure/{sandbox_defaults.AZURE_DEFAULT_RESOURCE}"
    )
    page.fill("input[name=api_version]", sandbox_defaults.AZURE_API_VERSION)
    page.select_option("select[name=api_style]", "deployments")
    page.fill("input[name=secret_api_key]", WRONG_KEY)
    page.click("form.setup-connection button[type=submit]")
    page.locator(".diagnosis.failed").wait_for(timeout=PROVIDER_CALL_MS)
    screenshot(page, "setup-1-test-failed")
    assert WRONG_KEY not in page.content()
    assert not Connection.objects.get(name="wizard-azure").is_active
    page.fill("input[name=secret_api_key]", sandbox_defaults.AZURE_DEFAULT_KEY)
    page.click("form.setup-connection button[type=submit]")
    page.wait_for_url(f"{base}/setup/azure_openai/#step-byok", timeout=PROVIDER_CALL_MS)
    assert page.locator("#step-connection .ok", has_text="wizard-azure").count() == 1

    # Step 3 (before the switch: BYOK needs a mapped alias): the alias form with its picker;
    # Azure lists models, not deployments, so the deployment name is typed beside it.
    page.locator("#alias-gpt_large button", has_text="Map").click()
    page.locator("#alias-gpt_large select[name=model_choice]").wait_for(timeout=PROVIDER_CALL_MS)
    page.fill("#alias-gpt_large input[name=model]", "gpt4o-prod")
    page.locator("#alias-gpt_large button[type=submit]").click()
    page.locator("#alias-gpt_large .ok", has_text="Saved").wait_for()

    # Step 2: the switch shows what it moves, then switches.
    page.goto(f"{base}/setup/azure_openai/#step-byok")
    page.locator("#step-byok button.switch").click()
    page.locator("#step-byok .confirm").wait_for()
    screenshot(page, "setup-2-byok-confirm")
    page.locator("#step-byok button.confirm-switch").click()
    page.locator("#step-byok .ok", has_text="runs on your own key").wait_for()
    azure.refresh_from_db()
    assert azure.integration_mode == IntegrationMode.BYOK

    # Step 4: send the generic prompt skill to Azure on Manage model providers.
    page.locator("#step-override a", has_text="Manage model providers").click()
    page.wait_for_url(f"{base}/model-providers/")
    from skills.models import Skill

    page.select_option("select[name=scope]", "skill")
    page.select_option("select[name=skill]", str(Skill.objects.get(key="generic_prompt").pk))
    page.select_option("select[name=provider]", label="Azure OpenAI")
    page.click("text=Save and activate")
    page.locator(".alert", has_text="Saved and activated").wait_for()

    # Step 5: a sample run; its outbound row names the customer's own resource.
    page.goto(f"{base}/setup/azure_openai/#step-validate")
    page.locator("#step-validate button", has_text="Generic prompt").click()
    proof = page.locator("#validate-result table.setup-proof tbody tr").first
    proof.wait_for(timeout=PROVIDER_CALL_MS)
    assert "Yes" in proof.inner_text()
    screenshot(page, "setup-5-validated")
    row = OutboundRequest.objects.filter(provider=azure, purpose="invocation").latest("created_at")
    assert row.route == "byok"
    assert row.connection.name == "wizard-azure"
    proof.locator("a").click()
    page.wait_for_url(f"{base}/validation/{row.pk}/")

    # The card's checklist: all but the aliases left unmapped (gpt_small, …).
    page.goto(f"{base}/")
    done = page.locator("#provider-azure_openai .setup-checklist li.done")
    assert done.count() == 4
    screenshot(page, "setup-card-checklist")
    assert setup_progress(azure).validated == row


def test_bedrock_and_vertex_connections_are_set_up_in_their_own_mode(
    page, live_server, admin_user, sandbox
):
    from providers.models import Provider

    seed_demo(sandbox.url)
    base = live_server.url
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{base}/")

    # Bedrock: the API-key mode shows its key only; IAM access keys show the key pair.
    page.goto(f"{base}/setup/aws_bedrock/")
    page.locator(".setup-modes a", has_text="Bedrock API key").click()
    page.wait_for_url(f"{base}/setup/aws_bedrock/?mode=api_key#step-connection")
    assert page.locator("input[name=secret_bedrock_api_key]").count() == 1
    assert page.locator("input[name=access_key_id]").count() == 0
    page.locator(".setup-modes a", has_text="IAM access keys").click()
    page.fill("input[name=name]", "wizard-bedrock")
    page.fill("input[name=region]", sandbox_defaults.AWS_REGION)
    page.fill("input[name=endpoint]", sandbox.url)
    page.fill("input[name=access_key_id]", sandbox_defaults.AWS_ACCESS_KEY_ID)
    page.fill("input[name=secret_secret_access_key]", sandbox_defaults.AWS_SECRET_ACCESS_KEY)
    page.click("form.setup-connection button[type=submit]")
    page.wait_for_url(f"{base}/setup/aws_bedrock/#step-byok", timeout=PROVIDER_CALL_MS)
    screenshot(page, "setup-bedrock-connected")
    bedrock = Provider.objects.get(kind="aws_bedrock")
    assert setup_progress(bedrock).tested.name == "wizard-bedrock"

    # Vertex AI: project, location and the service-account key file.
    page.goto(f"{base}/setup/google_gemini/?mode=vertex_ai")
    assert page.locator("input[name=secret_api_key]").count() == 0
    page.fill("input[name=name]", "wizard-vertex")
    page.fill("input[name=project]", sandbox_defaults.GCP_PROJECT)
    page.fill("input[name=location]", sandbox_defaults.GCP_LOCATION)
    page.fill("input[name=endpoint]", sandbox.url)
    key_file = json.dumps(sandbox_defaults.service_account_info(sandbox.url))
    page.fill("textarea[name=secret_service_account_json]", key_file)
    page.click("form.setup-connection button[type=submit]")
    page.wait_for_url(f"{base}/setup/google_gemini/#step-byok", timeout=PROVIDER_CALL_MS)
    conn = Connection.objects.get(name="wizard-vertex")
    assert conn.is_active
    assert conn.mode == "vertex_ai"
    assert key_file not in page.content()


# -- the other providers: one journey each, from an empty provider to a validated request --------
def _bedrock_fields(url: str) -> dict[str, str]:
    return {
        "input[name=region]": sandbox_defaults.AWS_REGION,
        "input[name=endpoint]": url,
        "input[name=access_key_id]": sandbox_defaults.AWS_ACCESS_KEY_ID,
        "input[name=secret_secret_access_key]": sandbox_defaults.AWS_SECRET_ACCESS_KEY,
    }


def _gemini_api_fields(url: str) -> dict[str, str]:
    return {
        "input[name=endpoint]": url,
        "input[name=secret_api_key]": sandbox_defaults.GEMINI_API_KEY,
    }


def _vertex_fields(url: str) -> dict[str, str]:
    return {
        "input[name=project]": sandbox_defaults.GCP_PROJECT,
        "input[name=location]": sandbox_defaults.GCP_LOCATION,
        "input[name=endpoint]": url,
        "textarea[name=secret_service_account_json]": json.dumps(
            sandbox_defaults.service_account_info(url)
        ),
    }


JOURNEYS: dict[str, tuple[str, str, Callable[[str], dict[str, str]], str, str]] = {
    # id: (provider kind, mode, fields, alias the sample skill's tier uses, model)
    "bedrock-iam-keys": (
        "aws_bedrock",
        "access_keys",
        _bedrock_fields,
        "claude_large",
        sandbox_defaults.BEDROCK_SONNET_45,
    ),
    "gemini-api": (
        "google_gemini",
        "gemini_api",
        _gemini_api_fields,
        "gemini_large",
        "gemini-2.5-pro",
    ),
    "vertex-service-account": (
        "google_gemini",
        "vertex_ai",
        _vertex_fields,
        "gemini_large",
        "gemini-2.5-pro",
    ),
}


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_an_admin_sets_up_each_provider_from_nothing_to_a_validated_request(
    page, live_server, admin_user, sandbox, eager_tasks, journey: str
):
    kind, mode, fill, alias, model = JOURNEYS[journey]
    seed_demo(sandbox.url)
    provider = empty_provider(kind)
    base = live_server.url
    name = f"wizard-{journey}"
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{base}/")

    # Step 1: the mode's fields only, tested, then active.
    page.goto(f"{base}/setup/{kind}/?mode={mode}")
    page.fill("input[name=name]", name)
    for selector, value in fill(sandbox.url).items():
        page.fill(selector, value)
    page.click("form.setup-connection button[type=submit]")
    page.wait_for_url(f"{base}/setup/{kind}/#step-byok", timeout=PROVIDER_CALL_MS)
    assert page.locator("#step-connection .ok", has_text=name).count() == 1

    # Step 3: the alias of the sample skill's tier, mapped to a model on that connection.
    page.locator(f"#alias-{alias} button", has_text="Map").click()
    page.locator(f"#alias-{alias} input[name=model]").wait_for(timeout=PROVIDER_CALL_MS)
    page.fill(f"#alias-{alias} input[name=model]", model)
    page.locator(f"#alias-{alias} button[type=submit]").click()
    page.locator(f"#alias-{alias} .ok", has_text="Saved").wait_for()

    # Step 2: BYOK on, after its impact summary.
    page.goto(f"{base}/setup/{kind}/#step-byok")
    page.locator("#step-byok button.switch").click()
    page.locator("#step-byok .confirm").wait_for()
    page.locator("#step-byok button.confirm-switch").click()
    page.locator("#step-byok .ok", has_text="runs on your own key").wait_for()
    provider.refresh_from_db()
    assert provider.integration_mode == IntegrationMode.BYOK

    # Step 5: no skill goes to this provider yet; the admin ticks routing the sample there.
    page.goto(f"{base}/setup/{kind}/#step-validate")
    page.locator("#step-validate input[name=route_sample]").check()
    page.locator("#step-validate button", has_text="Generic prompt").click()
    proof = page.locator("#validate-result table.setup-proof tbody tr").first
    proof.wait_for(timeout=PROVIDER_CALL_MS)
    assert "Yes" in proof.inner_text()
    screenshot(page, f"setup-{journey}-validated")
    row = OutboundRequest.objects.filter(provider=provider, purpose="invocation").latest(
        "created_at"
    )
    assert row.route == "byok"
    assert row.connection.name == name
    assert setup_progress(provider).validated == row
