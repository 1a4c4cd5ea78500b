"""The alias picker in a real browser: an administrator maps an alias to a model listed by the
provider (Bedrock on the sandbox), switching connection with htmx, without a page reload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.adapters import clear_cache
from providers.models import AliasMapping, OutboundRequest
from sandbox import defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def test_an_admin_maps_an_alias_through_the_picker(page, live_server, admin_user, sandbox):
    clear_cache()
    seed_demo(sandbox.url)
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/aliases/")
    page.evaluate("window.__notReloaded = true")
    row = page.locator("#alias-claude_large")
    row.locator("button:has-text('Remap')").click()
    picker = page.locator("#alias-claude_large select[name=model_choice]")
    picker.wait_for()
    profile = "us." + defaults.BEDROCK_HAIKU_45
    picker.select_option(profile)
    page.click("#alias-claude_large button[type=submit]")
    page.locator("#alias-claude_large .ok", has_text="Saved").wait_for()
    assert profile in page.locator("#alias-claude_large td.mapping").inner_text()
    assert page.evaluate("window.__notReloaded") is True  # swapped in place by htmx
    assert AliasMapping.objects.get(alias__key="claude_large", is_active=True).model == profile
    assert OutboundRequest.objects.filter(path="/inference-profiles").exists()

    # Another Gemini connection: choosing it lists its own models in place.
    page.locator("#alias-gemini_large button:has-text('Remap')").click()
    # The row is swapped for the new connection's list: wait for that answer, since the
    # old connection's list may hold the same model and a click on it would race the swap.
    with page.expect_response(lambda r: "/aliases/gemini_large/map/form/" in r.url):
        page.locator("#alias-gemini_large select[name=connection]").select_option(
            label="contoso-gemini-api"
        )
    page.locator(
        "#alias-gemini_large select[name=model_choice] option[value='gemini-2.5-flash']"
    ).wait_for(state="attached")
    page.locator("#alias-gemini_large select[name=model_choice]").select_option("gemini-2.5-flash")
    page.click("#alias-gemini_large button[type=submit]")
    page.locator("#alias-gemini_large .ok", has_text="Saved").wait_for()
    mapping = AliasMapping.objects.get(alias__key="gemini_large", is_active=True)
    assert (mapping.connection.name, mapping.model) == ("contoso-gemini-api", "gemini-2.5-flash")
    clear_cache()


@pytest.fixture
def watched_page(browser: object) -> Iterator[object]:
    """A page recording every Content-Security-Policy violation."""
    from tests.e2e.test_csp_browser import COLLECT_VIOLATIONS

    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_an_admin_rotates_a_secret_under_the_policy(watched_page, live_server, admin_user, sandbox):
    from providers.models import Connection

    page = watched_page
    clear_cache()
    seed_demo(sandbox.url)
    conn = Connection.objects.get(name="contoso-azure")
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/connections/{conn.pk}/")
    page.click("a:has-text('Rotate secret')")
    page.wait_for_url(f"{live_server.url}/connections/{conn.pk}/rotate/")
    page.fill("input[name=api_key]", "sandbox-azure-key-nobody-9999")
    page.click("button:has-text('Test and rotate')")
    page.locator(".diagnosis.failed").wait_for()
    assert page.input_value("input[name=api_key]") == ""  # never echoed back
    new_key = defaults.AZURE_RESOURCES["contoso"]["api_keys"][1]
    page.fill("input[name=api_key]", new_key)
    page.click("button:has-text('Test and rotate')")
    page.wait_for_url(f"{live_server.url}/connections/")
    assert "last test passed" in page.locator(f"#connection-{conn.pk} .last-test").inner_text()
    conn.refresh_from_db()
    assert conn.secrets["api_key"] == new_key
    page.goto(f"{live_server.url}/aliases/")
    page.locator("#alias-gpt_large button:has-text('Remap')").click()
    page.locator("#alias-gpt_large select[name=model_choice]").wait_for()
    assert page.evaluate("window.__cspViolations || []") == []
    clear_cache()
