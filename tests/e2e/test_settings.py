"""Settings in a real browser: a data steward sets each governance control from the console."""

from __future__ import annotations

import pytest

from console.services.catalog import seed_catalog
from skills.models import Budget, DataPattern, GuardrailSetting, PrivacyPolicy
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_steward_sets_every_control_from_the_settings_pages(page, live_server, steward_user):
    seed_catalog()
    login(page, live_server, steward_user.username)
    page.click("nav.mainnav a:has-text('Settings')")
    page.wait_for_url(f"{live_server.url}/settings/")
    assert "Nothing is set here yet" in page.locator("#list").inner_text()

    # Guardian: block prompt injection for the whole instance.
    page.select_option("#edit select[name=scope]", "instance")
    page.select_option("#edit select[name=kind]", "prompt_injection")
    page.select_option("#edit select[name=mode]", "block")
    page.click("#edit button[type=submit]")
    page.locator("table.settings-guardian td", has_text="Block").wait_for()
    assert GuardrailSetting.objects.get().mode == "block"
    screenshot(page, "settings-guardian")

    # Data patterns: try an expression in the test box (htmx, no reload), then save it.
    page.click("nav.tabs a:has-text('Data patterns')")
    page.fill("#try textarea[name=sample]", "badges E123456 and E654321")
    page.fill("#try input[name=regex]", r"E\d{6}")
    page.click("#try button[type=submit]")
    page.locator("#try-result", has_text="2 matches").wait_for()
    assert page.url.endswith("/settings/data-patterns/")
    page.fill("#edit input[name=key]", "employee_id")
    page.fill("#edit input[name=label]", "Employee id")
    page.fill("#edit input[name=regex]", r"\bE\d{6}\b")
    page.click("#edit button[type=submit]")
    page.locator("table.settings-data-patterns td", has_text="employee_id").wait_for()
    screenshot(page, "settings-data-patterns")

    # Data privacy: a policy of a built-in and the custom pattern, with a name field.
    page.click("nav.tabs a:has-text('Data privacy')")
    page.fill("#edit input[name=name]", "Default")
    page.select_option("#edit select[name=scope]", "instance")
    page.check("#edit input[name=patterns][value=email]")
    page.check("#edit input[name=patterns][value=employee_id]")
    page.fill("#edit input[name=name_fields]", "caller")
    page.click("#edit button[type=submit]")
    page.locator("table.settings-privacy td", has_text="Default").wait_for()
    assert PrivacyPolicy.objects.get().patterns == ["email", "employee_id"]
    screenshot(page, "settings-privacy")

    # Budgets: a daily spend limit, shown with what is used so far.
    page.click("nav.tabs a:has-text('Budgets')")
    page.fill("#edit input[name=name]", "Daily spend")
    page.select_option("#edit select[name=scope]", "instance")
    page.select_option("#edit select[name=period]", "day")
    page.select_option("#edit select[name=metric]", "cost")
    page.fill("#edit input[name=limit]", "25")
    page.click("#edit button[type=submit]")
    page.locator("table.settings-budgets td", has_text="0 (0%)").wait_for()
    assert Budget.objects.get().limit == 25
    screenshot(page, "settings-budgets")

    # A bad value comes back as a field error, nothing saved.
    page.fill("#edit input[name=name]", "Broken")
    page.select_option("#edit select[name=scope]", "skill")  # without its skill
    page.select_option("#edit select[name=period]", "day")
    page.select_option("#edit select[name=metric]", "cost")
    page.fill("#edit input[name=limit]", "-1")
    page.click("#edit button[type=submit]")
    page.locator("#edit .field.invalid .error").first.wait_for()
    errors = page.locator("#edit .field.invalid").all_inner_texts()
    assert any("skill" in e for e in errors)
    assert any("more than zero" in e for e in errors)
    assert not Budget.objects.filter(name="Broken").exists()
    assert DataPattern.objects.count() == 1
