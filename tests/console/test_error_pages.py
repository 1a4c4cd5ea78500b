"""403, 404, 400 and 500 answer inside the console's layout, saying what happened and where
to go next, without a trace of the request or a debug page."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_missing_page_is_a_styled_404(operator_user) -> None:
    response = _as(operator_user).get("/validation/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert 'class="topbar"' in page
    assert "Back to the console" in page


def test_a_page_the_role_may_not_open_is_a_styled_403(auditor_user) -> None:
    response = _as(auditor_user).get("/connections/new/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your role does not allow this" in page
    assert 'class="topbar"' in page
    assert "audrey_auditor" in page  # signed in, in the layout


def test_a_forged_host_is_a_styled_400() -> None:
    response = Client().get("/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()


def test_a_server_error_is_a_styled_500_without_a_request_context() -> None:
    response = server_error(RequestFactory().get("/connections/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'class="topbar"' in page
