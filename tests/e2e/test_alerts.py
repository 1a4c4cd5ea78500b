"""The Alerts pages in a real browser: a webhook channel tested from its button, a rule
refused with its field error then saved, and the history of what was sent."""

from __future__ import annotations

import pytest

from monitoring.models import AlertRule, Channel
from tests.e2e.conftest import login
from tests.monitoring.conftest import webhook

__all__ = ["webhook"]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_a_channel_tests_it_and_adds_a_rule(
    page, live_server, admin_user, webhook
) -> None:
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/alerts/")
    page.click("text=New channel")
    page.fill("input[name=name]", "ops-room")
    page.select_option("select[name=kind]", "webhook")
    page.fill("input[name=webhook_url]", webhook.url)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/alerts/")
    row = page.locator("table.channels tbody tr", has_text="ops-room")
    assert "s3cr3t" not in page.content()
    row.locator("button.test").click()
    row.locator(".diagnosis.ok", has_text="Test sent").wait_for()
    assert len(webhook.bodies) == 1

    page.click("text=New rule")
    page.fill("input[name=name]", "errors")
    page.select_option("select[name=kind]", "error_rate")
    page.click("button[type=submit]")
    assert "needs a threshold" in page.locator(".field.invalid").inner_text()
    page.fill("input[name=threshold]", "20")
    page.check(f"input[name=channels][value='{Channel.objects.get().pk}']")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/alerts/")
    assert "errors" in page.locator("table.rules").inner_text()
    assert AlertRule.objects.get().channels.count() == 1

    page.click("text=History")
    notifications = page.locator("table.notifications tbody")
    assert "ops-room" in notifications.inner_text()
    assert "Sent" in notifications.inner_text()


def test_a_reader_sees_the_alerts_without_the_buttons(page, live_server, auditor_user) -> None:
    Channel.objects.create(name="oncall", kind="email", email_to="oncall@example.com")
    login(page, live_server, auditor_user.username)
    page.goto(f"{live_server.url}/alerts/")
    assert "oncall" in page.locator("table.channels").inner_text()
    assert page.locator("button.test").count() == 0
    assert page.locator("text=New rule").count() == 0
