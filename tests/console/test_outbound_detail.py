"""The request detail page of the validation view: where one request went, for which run,
how it went, and its redacted headers and bodies at the level it was recorded with."""

from __future__ import annotations

import pytest
from django.test import Client

from providers.outbound.models import OutboundRequest
from skills.services.invocations import create_invocation, run_invocation
from tests.api.conftest import _demo_for_module, demo, demo_secrets, live
from tests.providers.conftest import _fresh_adapters, sandbox

__all__ = ["_demo_for_module", "_fresh_adapters", "demo", "live", "sandbox"]

pytestmark = pytest.mark.django_db

INPUT = {"short_description": "Email down", "description": "Outlook cannot connect."}


def _page(user, pk: int) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(f"/validation/{pk}/")
    return response.status_code, response.content.decode()


def test_it_shows_a_requests_route_run_headers_and_body(live, auditor_user, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    invocation = run_invocation(create_invocation("incident_summarization", INPUT).pk)
    assert invocation is not None
    assert invocation.status == "succeeded", invocation.error_message
    row = invocation.outbound_requests.get()
    code, page = _page(auditor_user, row.pk)
    assert code == 200
    assert row.host in page
    assert row.account in page
    assert f"/invocations/{invocation.pk}/" in page
    assert row.provider_request_id in page
    assert "Request headers" in page
    assert "Email down" in page  # the prompt, in the redacted request body
    for secret in demo_secrets(live.url):
        assert secret not in page


def test_a_basic_row_says_why_it_has_no_headers(demo, operator_user) -> None:
    row = OutboundRequest.objects.create(
        created_at="2026-12-01T10:00:00Z",
        purpose="health_check",
        method="POST",
        host="contoso.openai.azure.com",
        path="/openai/deployments/gpt4o/chat/completions",
        status_code=401,
        error="",
    )
    code, page = _page(operator_user, row.pk)
    assert code == 200
    assert "basic log level" in page
    assert "Request headers" not in page
    assert "Health check" in page


def test_the_validation_list_links_each_row_to_it(demo, auditor_user) -> None:
    row = OutboundRequest.objects.create(
        created_at="2026-12-01T10:00:00Z", purpose="invocation", method="POST", host="h", path="/p"
    )
    client = Client()
    client.force_login(auditor_user)
    assert f'href="/validation/{row.pk}/"' in client.get("/validation/").content.decode()


def test_a_missing_request_is_404(demo, auditor_user) -> None:
    assert _page(auditor_user, 999999)[0] == 404
