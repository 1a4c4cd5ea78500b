"""No door that changes something accepts a signed-in browser's POST without its CSRF token.

Every URL pattern of the project is posted to, token-less, by a client that enforces CSRF as
a browser would: the console's views, the Django admin's, and the API's (DRF checks the token
for session-authenticated requests). Each must answer 403 before the view runs, so a view
made `csrf_exempt` (or an API authentication that skips the check) fails here.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from core.audit import AuditAction
from tests.security.test_headers import URLS

pytestmark = pytest.mark.django_db

CONSOLE_URLS = [u for u in URLS if not u.startswith(("/api/", "/django-admin/"))]


def _refused(response) -> bool:
    """403 for the missing token (the API docs view renders any refusal as a bare
    "403 Forbidden" page, without DRF's detail)."""
    return response.status_code == 403 and (
        b"CSRF" in response.content or response.content == b"403 Forbidden"
    )


def test_every_url_resolves_to_a_view() -> None:
    """A URL that does not resolve would be a 404, not a CSRF refusal: the walk tests none."""
    for url in URLS:
        resolve(url)


@pytest.mark.parametrize("url", CONSOLE_URLS)
def test_the_console_refuses_a_post_without_its_token(url: str, admin_user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(url, {"name": "x", "mode": "oem"})
    assert _refused(response), (url, response.status_code)


@pytest.mark.parametrize("url", URLS)
def test_every_door_refuses_a_post_without_its_token(url: str, superuser) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(url, {"name": "x"})
    assert _refused(response), (url, response.status_code)


def test_the_same_post_with_its_token_gets_through(admin_user, demo) -> None:
    """The refusals above are the token's doing: with it, the switch is made (and audited)."""
    from auditlog.models import AuditEvent
    from providers.models import Provider

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    before = Provider.objects.get(kind="azure_openai").integration_mode
    response = client.post(
        "/integrations/azure_openai/mode/",
        {"mode": "oem", "confirm": "1"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code in (200, 302)
    after = Provider.objects.get(kind="azure_openai").integration_mode
    assert after != before
    assert AuditEvent.objects.filter(action=AuditAction.SWITCH).exists()


def test_the_api_refuses_a_session_post_without_its_token(admin_user, demo) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(
        "/api/v1/invocations/",
        {"skill": "incident_summarization", "input": {"short_description": "x"}},
        content_type="application/json",
    )
    assert _refused(response)
