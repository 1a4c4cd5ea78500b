"""Floods are refused: API requests per user and per client address, runs started per user,
and console log-ins after repeated failures.

Every refusal is a 429 with `Retry-After`. The API's says `{code, detail}` like its other
errors; the login page says it in words, the same for a username that exists and one that
does not, and does not even check the password while the lock lasts.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.test import Client

from skills.models import Invocation

pytestmark = pytest.mark.django_db

SKILLS = "/api/v1/skills/"
RUN = {
    "skill": "incident_summarization",
    "input": {"short_description": "Email down", "description": "Outlook cannot connect."},
}
LOCKED_TEXT = "Too many failed log-in attempts"


def _rates(settings: Any, **scopes: str | None) -> None:
    """Throttle rates for this test (the others keep their configured values)."""
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **scopes}
    settings.REST_FRAMEWORK = rest


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"]


# -- the API ----------------------------------------------------------------------------------


def test_a_user_past_the_rate_is_throttled_and_others_are_not(demo, client_for, settings) -> None:
    _rates(settings, user="3/min")
    client = client_for("operator_user")
    assert [client.get(SKILLS).status_code for _ in range(3)] == [200, 200, 200]
    _assert_throttled(client.get(SKILLS))
    assert client_for("admin_user").get(SKILLS).status_code == 200


def test_an_address_past_the_rate_is_throttled_whoever_asks(demo, client_for, settings) -> None:
    _rates(settings, address="3/min")
    operator, admin = client_for("operator_user"), client_for("admin_user")
    assert operator.get(SKILLS, REMOTE_ADDR="192.0.2.7").status_code == 200
    assert admin.get(SKILLS, REMOTE_ADDR="192.0.2.7").status_code == 200
    assert operator.get(SKILLS, REMOTE_ADDR="192.0.2.7").status_code == 200
    _assert_throttled(admin.get(SKILLS, REMOTE_ADDR="192.0.2.7"))
    # A forged X-Forwarded-For does not make another address out of the same one.
    _assert_throttled(
        admin.get(SKILLS, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    )
    assert admin.get(SKILLS, REMOTE_ADDR="192.0.2.8").status_code == 200


def test_starting_runs_has_its_own_stricter_rate(demo, client_for, settings) -> None:
    _rates(settings, runs="2/min")
    client = client_for("operator_user")
    assert client.post("/api/v1/invocations/", RUN, format="json").status_code == 202
    assert client.post("/api/v1/invocations/", RUN, format="json").status_code == 202
    _assert_throttled(client.post("/api/v1/invocations/", RUN, format="json"))
    agent = {"agent": "incident_triage", "goal": "Triage INC0010001"}
    _assert_throttled(client.post("/api/v1/agent-runs/", agent, format="json"))
    assert Invocation.objects.count() == 2
    assert client.get("/api/v1/invocations/").status_code == 200  # reading is not starting
    assert client_for("admin_user").post("/api/v1/agent-runs/", agent).status_code == 202


def test_a_rate_left_empty_turns_its_throttle_off(demo, client_for, settings) -> None:
    _rates(settings, user="", address=None)
    client = client_for("operator_user")
    assert {client.get(SKILLS).status_code for _ in range(5)} == {200}


# -- console log-in ---------------------------------------------------------------------------


def _log_in(username: str, password: str, address: str = "192.0.2.20") -> Any:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": username, "password": password})


def _refusal(response: Any) -> str:
    found = re.search(r'role="alert">(.*?)</div>', response.content.decode(), re.S)
    assert found, response.content.decode()
    return found.group(1)


def _assert_locked(response: Any) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert LOCKED_TEXT in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.fixture
def lockout(settings: Any) -> Any:
    settings.LOGIN_LOCKOUT_FAILURES = 5
    settings.LOGIN_LOCKOUT_FAILURES_PER_ADDRESS = 50
    settings.LOGIN_LOCKOUT_WINDOW_SECONDS = 900
    settings.LOGIN_LOCKOUT_SECONDS = 900
    return settings


def test_a_right_password_logs_in(lockout, admin_user) -> None:
    response = _log_in(admin_user.username, "pw-" + admin_user.username)
    assert response.status_code == 302
    assert "_auth_user_id" in response.wsgi_request.session


def test_repeated_failures_lock_the_username_even_for_the_right_password(
    lockout, admin_user
) -> None:
    for _ in range(4):
        assert _log_in(admin_user.username, "wrong").status_code == 200
    _assert_locked(_log_in(admin_user.username, "wrong"))
    _assert_locked(_log_in(admin_user.username, "pw-" + admin_user.username))
    # From another address too: the lock is on the account's name.
    _assert_locked(_log_in(admin_user.username, "pw-" + admin_user.username, "192.0.2.21"))


def test_an_unknown_username_locks_the_same_way(lockout, admin_user) -> None:
    known = [_log_in(admin_user.username, "wrong") for _ in range(5)][-1]
    unknown = [_log_in("nobody-here", "wrong") for _ in range(5)][-1]
    _assert_locked(known)
    _assert_locked(unknown)
    assert _refusal(known) == _refusal(unknown)


def test_a_successful_log_in_resets_the_usernames_count(lockout, admin_user) -> None:
    password = "pw-" + admin_user.username
    for _ in range(4):
        _log_in(admin_user.username, "wrong")
    assert _log_in(admin_user.username, password).status_code == 302
    for _ in range(4):
        assert _log_in(admin_user.username, "wrong").status_code == 200
    assert _log_in(admin_user.username, password).status_code == 302


def test_failures_from_one_address_lock_that_address(lockout, admin_user) -> None:
    lockout.LOGIN_LOCKOUT_FAILURES_PER_ADDRESS = 3
    for name in ("carol", "dave", "erin"):
        _log_in(name, "wrong", "192.0.2.30")
    _assert_locked(_log_in(admin_user.username, "pw-" + admin_user.username, "192.0.2.30"))
    assert _log_in(admin_user.username, "pw-" + admin_user.username, "192.0.2.31").status_code == (
        302
    )


def test_the_lock_ends_after_its_cool_down(lockout, admin_user) -> None:
    lockout.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(5):
        _log_in(admin_user.username, "wrong")
    _assert_locked(_log_in(admin_user.username, "pw-" + admin_user.username))
    time.sleep(1.2)
    assert _log_in(admin_user.username, "pw-" + admin_user.username).status_code == 302


def test_the_django_admin_log_in_is_locked_out_the_same_way(lockout, superuser) -> None:
    def admin_log_in(password: str) -> Any:
        return Client(REMOTE_ADDR="192.0.2.30").post(
            "/django-admin/login/?next=/django-admin/",
            {"username": superuser.username, "password": password},
        )

    for _ in range(4):
        assert admin_log_in("wrong").status_code == 200
    _assert_locked(admin_log_in("wrong"))
    _assert_locked(admin_log_in("pw-" + superuser.username))
    # The console door shares the count: the name is locked there too.
    _assert_locked(_log_in(superuser.username, "pw-" + superuser.username))


def test_the_django_admin_log_in_still_lets_a_superuser_in(lockout, superuser) -> None:
    response = Client().post(
        "/django-admin/login/?next=/django-admin/",
        {"username": superuser.username, "password": "pw-" + superuser.username},
    )
    assert response.status_code == 302
    assert response["Location"] == "/django-admin/"


def test_the_django_admin_log_in_lands_on_the_admin_without_a_next(lockout, superuser) -> None:
    client = Client()
    page = client.get("/django-admin/login/").content.decode()
    assert 'name="next" value="/django-admin/"' in page
    response = client.post(
        "/django-admin/login/",
        {"username": superuser.username, "password": "pw-" + superuser.username, "next": ""},
    )
    assert response.status_code == 302
