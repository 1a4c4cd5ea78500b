"""The Content-Security-Policy, enforced by a real Chromium: the console, the Django admin and
the API docs work under it and trigger no violation.

Chromium reports each blocked script, style or connection as a `securitypolicyviolation`
event; the page collects them from the first byte (an init script, which the policy does not
govern), and each page must end with none.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.choices import IntegrationMode, ProviderKind
from providers.models import Provider
from sandbox.demo import seed_demo
from tests.api.conftest import OFFLINE_SANDBOX
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
CONSOLE_PAGES = [
    "/",
    "/connections/",
    "/connections/new/",
    "/setup/azure_openai/",
    "/aliases/",
    "/model-providers/",
    "/agents/",
    "/agents/new/",
    "/versions/",
    "/skills/",
    "/skills/incident_summarization/prompts/",
    "/invocations/",
    "/validation/",
    "/audit/",
    "/settings/guardian/",
    "/settings/privacy/",
    "/settings/data-patterns/",
    "/settings/allowed-providers/",
    "/settings/budgets/",
    "/overview/",
    "/usage/",
    "/health/",
    "/alerts/",
    "/alerts/history/",
    "/alerts/rules/new/",
    "/alerts/channels/new/",
]
ADMIN_PAGES = [
    "/django-admin/",
    "/django-admin/providers/connection/",
    "/django-admin/providers/connection/add/",
    "/django-admin/auth/user/add/",
    "/django-admin/auditlog/auditevent/",
]


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page that records every policy violation, and every console error that names one."""
    context = browser.new_context()  # type: ignore[attr-defined]
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on(
        "console",
        lambda m: (
            page.console_errors.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    yield page
    context.close()


def violations(page: object) -> list[str]:
    found = page.evaluate("window.__cspViolations || []")  # type: ignore[attr-defined]
    return [*found, *page.console_errors]  # type: ignore[attr-defined]


@pytest.fixture
def configured(db: None) -> None:
    seed_demo(OFFLINE_SANDBOX)  # nothing is called: the pages only read the configuration


def test_the_console_and_htmx_work_under_the_policy(
    page, live_server, superuser, configured
) -> None:
    login(page, live_server, superuser.username)
    page.wait_for_url(f"{live_server.url}/")
    for path in CONSOLE_PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.locator("main").count() == 1, path
        assert violations(page) == [], path
        screenshot(page, "page-" + (path.strip("/").replace("/", "-") or "integrations"))
    # An htmx exchange: the integration switch posts and swaps the card in place.
    page.goto(f"{live_server.url}/")
    card = page.locator("#provider-azure_openai")
    assert "BYOK" in card.locator(".badge").inner_text()
    card.locator("button.switch").click()
    page.locator("#provider-azure_openai button.confirm-switch").click()
    page.locator("#provider-azure_openai .badge", has_text="OEM").wait_for()
    assert Provider.objects.get(kind=ProviderKind.AZURE_OPENAI).integration_mode == (
        IntegrationMode.OEM
    )
    assert violations(page) == []


def test_the_admin_works_under_the_policy(page, live_server, superuser, configured) -> None:
    page.goto(f"{live_server.url}/django-admin/login/")
    page.fill("input[name=username]", superuser.username)
    page.fill("input[name=password]", "pw-" + superuser.username)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/django-admin/")
    for path in ADMIN_PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert page.locator("#content").count() == 1, path
        assert violations(page) == [], path
    # The periodic task form's crontab help, moved from an inline script to a file.
    page.goto(f"{live_server.url}/django-admin/django_celery_beat/periodictask/add/")
    options = page.locator("#id_crontab option")
    if options.count() > 1:
        page.select_option("#id_crontab", index=1)
        page.locator(".field-crontab .help", has_text="Translation:").wait_for()
    assert page.locator(".field-crontab_translation").is_hidden()
    assert violations(page) == []


def test_the_api_docs_render_under_the_policy(page, live_server, superuser) -> None:
    login(page, live_server, superuser.username)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert violations(page) == []


def test_the_api_docs_send_a_stranger_to_the_login_page(page, live_server) -> None:
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_url(f"{live_server.url}/login/?next=/api/v1/docs/")
