"""AI Agent Studio in a real browser: an administrator creates an agent, gives it a tool and
runs it; the result panel shows its steps, their outbound requests and the answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from skills.models import Agent, AgentRun
from tests.api.eager import eager_tasks
from tests.e2e.conftest import login, screenshot

__all__ = ["eager_tasks"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A first provider call imports and builds an SDK client; on a loaded machine that takes seconds.
PROVIDER_CALL_MS = 45_000


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def demo(sandbox: SandboxServer) -> SandboxServer:
    seed_demo(sandbox.url)
    return sandbox


def test_an_admin_creates_an_agent_and_runs_it(page, live_server, admin_user, demo, eager_tasks):
    login(page, live_server, admin_user.username)
    page.click("nav.mainnav a:has-text('Agents')")
    page.wait_for_url(f"{live_server.url}/agents/")
    page.click("a:has-text('New agent')")
    page.fill(".agent-form input[name=key]", "note_taker")
    page.fill(".agent-form input[name=name]", "Note taker")
    page.fill(".agent-form input[name=role]", "Keep incident work notes up to date.")
    page.fill(".agent-form textarea[name=instructions]", "Append notes with update_record.")
    page.click(".agent-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/agents/note_taker/")
    assert "Its model steps would use" in page.locator(".impact").inner_text()

    page.select_option(".tool-form select[name=kind]", "update_record")
    page.fill(".tool-form input[name=name]", "update_record")
    page.fill(".tool-form input[name=description]", "Append a work note to a record.")
    page.click(".tool-form button[type=submit]")
    page.locator("table.agent-tools code", has_text="update_record").wait_for()
    assert Agent.objects.get(key="note_taker").tools.count() == 1

    page.fill(".run-form textarea[name=goal]", 'Append a work note to "INC0010001": "Called".')
    page.set_default_navigation_timeout(PROVIDER_CALL_MS)
    page.click(".run-form button[type=submit]")
    result = page.locator("#result")
    result.wait_for(timeout=PROVIDER_CALL_MS)
    result.locator(".status", has_text="Succeeded").wait_for(timeout=PROVIDER_CALL_MS)
    assert result.locator("ol.agent-steps > li").count() == 3
    assert result.locator("pre.output").inner_text().strip()
    screenshot(page, "agent-run")
    assert AgentRun.objects.get().status == "succeeded"
    result.locator(".outbound a").first.click()
    page.wait_for_url("**/validation/*/")
    assert "How it went" in page.locator("main").inner_text()
