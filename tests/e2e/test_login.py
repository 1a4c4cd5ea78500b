from __future__ import annotations

import pytest

from providers.choices import IntegrationMode, ProviderKind
from providers.models import Provider
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_and_shows_the_integrations(page, live_server, admin_user) -> None:
    Provider.objects.create(
        kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI", integration_mode=IntegrationMode.BYOK
    )
    login(page, live_server, admin_user.username)
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").first.inner_text() == "Manage integration"
    card = page.locator("#provider-azure_openai")
    assert "Bring your own key" in card.inner_text()


def test_it_refuses_a_wrong_password(page, live_server, admin_user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", admin_user.username)
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "/login/" in page.url
    assert "correct username and password" in page.content()
