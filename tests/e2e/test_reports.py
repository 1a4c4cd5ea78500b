"""The overview, usage and health pages in a real browser, over skill calls and health
checks made against the provider sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.choices import ProviderKind
from providers.models import Connection
from providers.services import run_health_check
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from skills.choices import InvocationStatus
from skills.services.invocations import invoke_now
from skills.services.usage import roll_up_usage
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INPUT = {
    "short_description": "Email down for the sales floor",
    "description": "Outlook cannot reach the server since 9am.",
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def demo(sandbox: SandboxServer) -> SandboxServer:
    seed_demo(sandbox.url)
    return sandbox


def _calls(n: int) -> None:
    runs = [invoke_now("incident_summarization", INPUT) for _ in range(n)]
    assert all(r.status == InvocationStatus.SUCCEEDED for r in runs), runs[0].error_message
    roll_up_usage()


def test_the_overview_shows_providers_and_reads_from_the_keyboard(
    page, live_server, auditor_user, demo
) -> None:
    _calls(3)
    login(page, live_server, auditor_user.username)
    page.get_by_role("link", name="Overview").click()
    page.wait_for_url("**/overview/")
    page.select_option("select[name=period]", "30d")
    page.locator("select[name=period]").focus()
    page.keyboard.press("Tab")  # to the Show button
    page.keyboard.press("Enter")
    page.wait_for_url("**/overview/?period=30d")
    table = page.locator("table.overview")
    calls = sum(int(c.replace(",", "")) for c in table.locator("td.calls").all_inner_texts())
    assert calls == 3
    # A sparkline is an image with a name, and its numbers open from the keyboard.
    spark = page.locator("svg.spark").first
    assert spark.get_attribute("role") == "img"
    assert "calls per day" in spark.locator("title").text_content()
    summary = page.locator("details.chart-data summary").first
    summary.focus()
    page.keyboard.press("Enter")
    data = page.locator("details.chart-data table").first
    data.wait_for(state="visible")
    assert data.locator("tbody tr").count() == 30
    assert "No failed skill calls in this period" in page.content()


def test_the_usage_page_charts_groups_and_exports_csv(page, live_server, admin_user, demo):
    _calls(2)
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/usage/")
    assert "No skill calls match" not in page.content()
    page.select_option("select[name=group]", "skill")
    page.click("form.period button[type=submit]")
    page.wait_for_url("**/usage/?*group=skill*")
    assert page.locator("strong.total-calls").inner_text() == "2"
    assert page.locator("figure.chart-figure svg.line").count() == 3
    assert "Calls per day by skill" in page.locator("svg.line title").first.text_content()
    assert "Incident" in page.locator("table.usage tbody").inner_text()
    with page.expect_download() as download:
        page.click("a.export")
    body = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert body.startswith("Day,Skill,Calls")
    assert ",2," in body
    page.goto(f"{live_server.url}/usage/?since=2026-02-30")
    assert "Enter a valid date" in page.locator("main").inner_text()


def test_the_health_page_shows_a_timeline_and_explains_a_failure(
    page, live_server, admin_user, demo
):
    conn = Connection.objects.filter(
        provider__kind=ProviderKind.AZURE_OPENAI, owner="customer"
    ).first()
    assert run_health_check(conn).ok
    conn.set_secrets({"api_key": "not-the-key"})
    conn.save()
    from providers.adapters import clear_cache

    clear_cache()
    assert not run_health_check(conn).ok
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/health/")
    row = page.locator(f"#health-{conn.pk}")
    assert "Degraded" in row.inner_text()
    row.get_by_role("link", name=conn.name).click()
    page.wait_for_url(f"**/health/{conn.pk}/")
    explanation = page.locator(".explanation").inner_text()
    assert "Degraded since" in explanation
    assert "credentials were refused" in explanation
    assert page.locator("svg.timeline rect.span.healthy").count() == 1
    assert page.locator("svg.timeline rect.span.degraded").count() == 1
    assert page.locator("table.failed-checks tbody tr").count() == 1
    page.locator("details.chart-data summary").first.click()
    assert "Degraded, 1 check" in page.locator("details.chart-data table").first.inner_text()
    assert "not-the-key" not in page.content()
