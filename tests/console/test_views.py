from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin_user", 200), ("operator_user", 200), ("auditor_user", 200), ("stranger", 403)],
)
def test_it_lets_only_log_readers_see_validation(client, request, who, status) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get("/validation/").status_code == status


def test_it_sends_anonymous_visitors_to_log_in(client) -> None:
    response = client.get("/validation/?route=byok")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/validation/")


def test_it_returns_only_the_rows_for_htmx_requests(client, admin_user) -> None:
    client.force_login(admin_user)
    body = client.get("/validation/", headers={"HX-Request": "true"}).content.decode()
    assert "<table" in body
    assert "<html" not in body
