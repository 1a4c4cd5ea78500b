"""A skill run followed live in a real browser: the page answers at once, and the result
panel follows the run (queued, running, its answer) without a reload while a worker runs it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection, connections

from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services.invocations import run_invocation
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker thread writing beside the live server's reads: PostgreSQL",
    ),
]


@pytest.fixture
def demo() -> Iterator[SandboxServer]:
    with SandboxServer() as sandbox:
        seed_demo(sandbox.url)
        yield sandbox


def _worker_after(delay: float) -> threading.Thread:
    """A worker that waits `delay` seconds, then runs the queued invocations as Celery would."""

    def work() -> None:
        time.sleep(delay)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                queued = list(
                    Invocation.objects.filter(status=InvocationStatus.QUEUED).values_list(
                        "pk", flat=True
                    )
                )
                for pk in queued:
                    run_invocation(pk)
                if queued:
                    return
                time.sleep(0.1)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_the_result_panel_follows_a_run_until_it_finishes(page, live_server, operator_user, demo):
    login(page, live_server, operator_user.username)
    page.goto(f"{live_server.url}/skills/generic_prompt/")
    page.fill("textarea[name=prompt]", "Summarize: the VPN drops every hour for finance.")
    page.click("form.run-form button[type=submit]")
    result = page.locator("#result")
    result.wait_for()
    assert "Queued" in result.locator(".status").inner_text()
    assert result.get_attribute("aria-busy") == "true"
    worker = _worker_after(1.0)
    page.locator("#result .status", has_text="Succeeded").wait_for(timeout=45_000)
    worker.join(30)
    assert page.locator("#result pre.output").inner_text().startswith("Summary:")
    assert page.locator("#result").get_attribute("aria-busy") == "false"
    assert "/skills/generic_prompt/" in page.url  # never reloaded or left
