from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from providers.choices import ProviderKind
from providers.models import Provider
from providers.outbound.models import OutboundRequest
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outbound() -> None:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    gemini = Provider.objects.create(kind=ProviderKind.GOOGLE_GEMINI, name="Google Gemini")
    now = timezone.now()
    OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=now - timedelta(seconds=i),
            provider=azure if i % 2 else gemini,
            route="byok",
            purpose="invocation",
            account="contoso" if i % 2 else "proj-1",
            method="POST",
            host="contoso.openai.azure.com" if i % 2 else "aiplatform.googleapis.com",
            path="/p",
            status_code=200,
            provider_request_id=f"req-{i}",
        )
        for i in range(60)
    )


def test_it_filters_and_pages_the_outbound_log(page, live_server, auditor_user, outbound) -> None:
    login(page, live_server, auditor_user.username)
    page.goto(f"{live_server.url}/validation/")
    assert page.locator("table.log tbody tr").count() == 50
    page.select_option("select[name=provider]", "azure_openai")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**provider=azure_openai**")
    rows = page.locator("table.log tbody tr")
    assert rows.count() == 30
    assert all("contoso.openai.azure.com" in t for t in rows.all_inner_texts())
    page.select_option("select[name=provider]", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**provider=&**")
    page.click("a.next")
    page.wait_for_url("**cursor=**")
    assert page.locator("table.log tbody tr").count() == 10
    assert "req-59" in page.content()


def test_it_shows_filter_errors_without_losing_the_form(
    page, live_server, admin_user, outbound
) -> None:
    login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/validation/?status_code=999&host=keep.me")
    assert "less than or equal to 599" in page.content()
    assert page.input_value("input[name=host]") == "keep.me"


def test_it_is_closed_to_users_without_a_role(page, live_server, stranger) -> None:
    login(page, live_server, stranger.username)
    response = page.goto(f"{live_server.url}/validation/")
    assert response.status == 403


def test_it_filters_by_part_of_a_host_and_a_date_then_opens_a_request(
    page, live_server, auditor_user, outbound
) -> None:
    login(page, live_server, auditor_user.username)
    page.goto(f"{live_server.url}/validation/")
    # The share loads on its own beside the table: 30 of each provider's requests, none to a
    # connection's account (no connection is configured), so each one is listed as another.
    share = page.locator("#account-share table")
    share.wait_for()
    assert "Azure OpenAI" in share.inner_text()
    assert "contoso" in share.inner_text()
    page.fill("input[name=host]", "openai.AZURE")
    page.fill("input[name=since]", (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**host=openai.AZURE**")
    rows = page.locator("table.log tbody tr")
    assert rows.count() == 30
    assert all("contoso.openai.azure.com" in t for t in rows.all_inner_texts())
    page.fill("input[name=since]", (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("text=No outbound requests match.")
    page.fill("input[name=since]", "")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("table.log tbody tr a")
    page.locator("table.log tbody tr a").first.click()
    page.wait_for_url("**/validation/*/")
    assert "Where it went" in page.content()
    assert "req-1" in page.content()  # the newest of the host still filtered
