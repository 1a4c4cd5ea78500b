"""An `Idempotency-Key` replays the first run of the same request, and only of that request.

A retried POST (same user, key and body) gets the first invocation back with 200. The same
key with another body is refused with 422 `{code, detail}`: answering with the run of a
different request would hand its output to a caller who asked for something else. Two
identical POSTs racing each other get the same invocation; the one that wrote it answers 202
and the other 200, whichever of them looked first.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from sandbox.demo import seed_demo
from skills.choices import Source
from skills.models import Invocation
from skills.services.invocations import create_invocation
from tests.api.conftest import OFFLINE_SANDBOX

pytestmark = pytest.mark.django_db

URL = "/api/v1/invocations/"
INPUT = {"short_description": "Email down", "description": "Outlook cannot connect."}
RUN = {"skill": "incident_summarization", "input": INPUT}
KEY = "retry-me-1"


@pytest.fixture
def configured(db: None) -> None:
    """The demo configuration, seeded in the test itself (some tests here commit)."""
    seed_demo(OFFLINE_SANDBOX)


def _post(client: APIClient, body: dict[str, Any], key: str = KEY) -> Any:
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({**RUN, "input": {**INPUT, "description": "Teams too."}}, id="input"),
        pytest.param({**RUN, "skill": "case_summarization"}, id="skill"),
        pytest.param({**RUN, "record": "INC0010001"}, id="record"),
    ],
)
def test_a_key_reused_for_another_request_is_refused(configured, client_for, other) -> None:
    client = client_for("operator_user")
    first = _post(client, RUN)
    assert first.status_code == 202
    refused = _post(client, other)
    assert refused.status_code == 422, refused.json()
    assert refused.json()["code"] == "idempotency_key_reused"
    assert KEY in refused.json()["detail"]
    assert Invocation.objects.count() == 1
    assert Invocation.objects.get().input == INPUT


def test_the_same_request_again_replays_the_first_run(configured, client_for) -> None:
    client = client_for("operator_user")
    first = _post(client, RUN)
    reordered = {"input": dict(reversed(list(INPUT.items()))), "skill": RUN["skill"]}
    again = _post(client, reordered)  # the same request, its JSON written in another order
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Invocation.objects.count() == 1


def test_a_key_is_each_users_own(configured, client_for) -> None:
    mine = _post(client_for("operator_user"), RUN)
    theirs = _post(client_for("admin_user"), {**RUN, "input": {**INPUT, "description": "x"}})
    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert mine.json()["id"] != theirs.json()["id"]


@contextlib.contextmanager
def _raced_by(user: Any, body: dict[str, Any]) -> Iterator[None]:
    """Inside the block, another request with the same key writes its run just before the
    request's own write begins (its savepoint): the moment two POSTs race past the lookup
    of the key together. The competitor's row is outside that savepoint, as another
    transaction's committed row would be."""
    fired = False

    def competitor(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal fired
        if not fired and sql.startswith("SAVEPOINT"):
            fired = True
            create_invocation(
                body["skill"],
                body["input"],
                user=user,
                source=Source.API,
                idempotency_key=KEY,
                publish=False,
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(competitor):
        yield
    assert fired


def test_the_request_that_loses_the_race_replays_the_winners_run(
    configured, client_for, operator_user
) -> None:
    with _raced_by(operator_user, RUN):
        response = _post(client_for("operator_user"), RUN)
    assert response.status_code == 200, response.json()  # it did not write the run
    assert response["Idempotent-Replayed"] == "true"
    assert Invocation.objects.count() == 1
    assert response.json()["id"] == str(Invocation.objects.get().pk)


def test_the_request_that_loses_the_race_with_another_body_is_refused(
    configured, client_for, operator_user
) -> None:
    with _raced_by(operator_user, {**RUN, "input": {**INPUT, "description": "Something else."}}):
        response = _post(client_for("operator_user"), RUN)
    assert response.status_code == 422, response.json()
    assert Invocation.objects.get().input["description"] == "Something else."


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_make_one_run(configured, operator_user) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the in-memory SQLite test database refuses a second writer ('database table is "
            "locked') instead of waiting for it as a SQLite file or PostgreSQL does; the race "
            "is replayed deterministically above"
        )
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def post() -> None:
        client = APIClient()
        client.force_authenticate(operator_user)
        try:
            barrier.wait(timeout=10)
            answers.append(_post(client, RUN))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 2
    assert sorted(a.status_code for a in answers) == [200, 202], [a.json() for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Invocation.objects.count() == 1
