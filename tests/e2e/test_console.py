"""The console's main pages in a real browser, against the provider sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditlog.models import AuditEvent
from providers.choices import IntegrationMode, ProviderKind
from providers.models import Connection, Provider
from sandbox import defaults as sandbox_defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from tests.api.eager import eager_tasks
from tests.e2e.conftest import login

__all__ = ["eager_tasks"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_KEY = sandbox_defaults.AZURE_DEFAULT_KEY
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


def _create_connection(page, live_server, sandbox: SandboxServer, name: str) -> None:
    page.goto(f"{live_server.url}/connections/new/")
    page.select_option("select[name=provider]", label="Azure OpenAI")
    page.fill("input[name=name]", name)
    page.fill(
        "input[name=endpoint]", f"{sandbox.url}/azure/{sandbox_defaults.AZURE_DEFAULT_RESOURCE}"
    )
    page.fill("input[name=api_version]", sandbox_defaults.AZURE_API_VERSION)
    page.select_option("select[name=api_style]", "deployments")
    page.fill("input[name=secret_api_key]", NEW_KEY)
    page.click("form.connection-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/connections/")


def test_it_switches_a_provider_to_oem_and_back_to_byok(page, live_server, admin_user, demo):
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{live_server.url}/")
    card = page.locator("#provider-azure_openai")
    assert "BYOK" in card.locator(".badge").inner_text()
    card.locator("button.switch").click()
    # The switch first says what it would move, and Cancel leaves everything as it was.
    dialog = page.locator("#provider-azure_openai .confirm")
    dialog.wait_for()
    assert "Switch Azure OpenAI to OEM?" in dialog.inner_text()
    assert "skill" in dialog.locator(".impact").inner_text()
    dialog.locator("a.cancel").click()
    page.locator("#provider-azure_openai button.switch").wait_for()
    assert Provider.objects.get(kind=ProviderKind.AZURE_OPENAI).integration_mode == "byok"
    page.locator("#provider-azure_openai button.switch").click()
    page.locator("#provider-azure_openai button.confirm-switch").click()
    page.locator("#provider-azure_openai .badge", has_text="OEM").wait_for()
    assert Provider.objects.get(kind=ProviderKind.AZURE_OPENAI).integration_mode == "oem"
    page.locator("#provider-azure_openai button.switch").click()
    page.locator("#provider-azure_openai button.confirm-switch").click()
    page.locator("#provider-azure_openai .badge", has_text="BYOK").wait_for()
    assert Provider.objects.get(kind=ProviderKind.AZURE_OPENAI).integration_mode == "byok"


def test_it_shows_a_refused_switch_as_the_readiness_message(page, live_server, admin_user, demo):
    Connection.objects.filter(provider__kind=ProviderKind.AZURE_OPENAI, owner="platform").update(
        is_active=False
    )
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{live_server.url}/")
    page.locator("#provider-azure_openai button.switch").click()
    alert = page.locator("#provider-azure_openai .alert.error")
    alert.wait_for()
    assert "platform has no active connection" in alert.inner_text()
    provider = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    assert provider.integration_mode == IntegrationMode.BYOK


def test_it_creates_a_connection_and_tests_it_inline(page, live_server, admin_user, demo):
    login(page, live_server, admin_user.username)
    _create_connection(page, live_server, demo, "fabrikam-azure")
    conn = Connection.objects.get(name="fabrikam-azure")
    row = page.locator(f"#connection-{conn.pk}")
    assert "127.0.0.1" in row.inner_text()
    row.locator("button.test").click()
    diagnosis = page.locator(f"#diagnosis-{conn.pk} .diagnosis")
    diagnosis.wait_for(timeout=PROVIDER_CALL_MS)
    assert "Connection works" in diagnosis.inner_text()


def test_it_keeps_typed_values_but_not_the_secret_after_an_error(
    page, live_server, admin_user, demo
):
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/connections/new/")
    page.select_option("select[name=provider]", label="Azure OpenAI")
    page.fill("input[name=name]", "half-done")
    page.fill("input[name=endpoint]", "https://evil.example.net")
    page.fill("input[name=secret_api_key]", NEW_KEY)
    page.click("form.connection-form button[type=submit]")
    assert page.locator(".field.invalid").count() >= 1
    assert page.input_value("input[name=name]") == "half-done"
    assert page.input_value("input[name=secret_api_key]") == ""
    assert NEW_KEY not in page.content()


def test_it_runs_a_skill_and_shows_its_output_and_trace(
    page, live_server, operator_user, demo, eager_tasks
):
    login(page, live_server, operator_user.username)
    page.goto(f"{live_server.url}/skills/incident_summarization/")
    page.fill("input[name=short_description]", "Email down for the sales floor")
    page.fill("textarea[name=description]", "Outlook cannot reach the server since 9am.")
    page.set_default_navigation_timeout(PROVIDER_CALL_MS)
    page.click("form.run-form button[type=submit]")
    result = page.locator("#result")
    result.wait_for(timeout=PROVIDER_CALL_MS)
    assert "Succeeded" in result.locator(".status").inner_text()
    assert result.locator("pre.output").inner_text().strip()
    assert result.locator("ol.trace li").count() >= 3
    link = result.locator("a", has_text="Outbound requests")
    assert "invocation=" in link.get_attribute("href")
    link.click()
    page.wait_for_url("**/validation/?invocation=*")
    first_row = page.locator("table.log tbody tr").first
    first_row.wait_for()
    assert "No outbound requests match" not in first_row.inner_text()
    first_row.locator("a").first.click()  # the request's detail
    page.wait_for_url("**/validation/*/")
    assert "How it went" in page.locator("main").inner_text()
    assert page.locator("a", has_text="invocation").count() == 1


def test_it_shows_a_connection_change_in_the_audit_trail(page, live_server, admin_user, demo):
    login(page, live_server, admin_user.username)
    conn = Connection.objects.get(name="contoso-azure")
    page.goto(f"{live_server.url}/connections/{conn.pk}/")
    page.fill("input[name=description]", "Renamed in the console")
    page.click("form.connection-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/connections/")
    page.goto(f"{live_server.url}/audit/")
    first = page.locator("table.audit > tbody > tr").first
    assert "contoso-azure" in first.inner_text()
    assert "Renamed in the console" in first.inner_text()
    assert AuditEvent.objects.filter(actor=admin_user).exists()


def test_it_never_shows_a_connection_secret_on_any_page(
    page, live_server, admin_user, demo, eager_tasks
):
    login(page, live_server, admin_user.username)
    _create_connection(page, live_server, demo, "secret-scan")
    conn = Connection.objects.get(name="secret-scan")
    page.locator(f"#connection-{conn.pk} button.test").click()
    page.locator(f"#diagnosis-{conn.pk} .diagnosis").wait_for(timeout=PROVIDER_CALL_MS)
    seen = {"/connections/": page.content()}
    for path in [
        "/",
        f"/connections/{conn.pk}/",
        "/aliases/",
        "/skills/",
        "/invocations/",
        "/audit/",
        f"/validation/?connection={conn.name}",
    ]:
        page.goto(f"{live_server.url}{path}")
        seen[path] = page.content()
    assert "••••" + NEW_KEY[-4:] in seen["/connections/"]
    leaks = [path for path, html in seen.items() if NEW_KEY in html]
    assert leaks == []


def test_it_deactivates_a_connection_after_showing_what_loses_its_route(
    page, live_server, admin_user, demo
):
    connection = Connection.objects.filter(
        provider__kind=ProviderKind.AZURE_OPENAI, owner="customer", alias_mappings__is_active=True
    ).first()
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/connections/")
    page.locator(f"#connection-{connection.pk} button.danger").click()
    dialog = page.locator(f"#diagnosis-{connection.pk} .confirm")
    dialog.wait_for()
    assert f"Deactivate {connection.name}?" in dialog.inner_text()
    assert "will fail" in dialog.inner_text()
    connection.refresh_from_db()
    assert connection.is_active
    dialog.locator("button.confirm-deactivate").click()
    page.locator(f"#connection-{connection.pk}.inactive").wait_for()
    connection.refresh_from_db()
    assert not connection.is_active


def test_it_customises_a_skills_model_provider_and_shows_it_in_the_summary(
    page, live_server, admin_user, demo
):
    from skills.models import Skill
    from skills.services.resolution import provider_for

    skill = Skill.objects.filter(is_active=True).order_by("key").first()
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.mainnav >> text=Model providers")
    page.wait_for_url(f"{live_server.url}/model-providers/")
    page.select_option("select[name=scope]", "skill")
    page.select_option("select[name=skill]", str(skill.pk))
    page.select_option("select[name=provider]", label="Google Gemini")
    page.click("text=Save and activate")
    page.locator(".alert", has_text="Saved and activated").wait_for()
    row = page.locator("table.customisations tr", has_text=skill.name)
    assert "Google Gemini" in row.inner_text()
    assert provider_for(skill).kind == ProviderKind.GOOGLE_GEMINI
    assert page.locator("#history table tr", has_text="Google Gemini").count() >= 1
