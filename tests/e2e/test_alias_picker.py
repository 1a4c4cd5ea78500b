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
