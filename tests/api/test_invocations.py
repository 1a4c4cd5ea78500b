"""Running skills over REST against the sandbox: queueing, ?wait, idempotency, errors, cancel.

A run is a Celery worker's: tests that need one finished run the task in eager mode when the
test's transaction would commit (tests/security/test_wait_cap.py covers `?wait` itself).
"""

from __future__ import annotations

import pytest

from skills.choices import InvocationStatus, RateLimitResource, RateLimitRuleType
from skills.models import Invocation, RateLimitRule
from tests.api.eager import eager_tasks

__all__ = ["eager_tasks"]

pytestmark = pytest.mark.django_db

URL = "/api/v1/invocations/"
RUN = {
    "skill": "incident_summarization",
    "input": {"short_description": "Email down", "description": "Outlook cannot connect."},
}


def test_it_runs_a_skill_on_a_worker_and_points_to_the_result(
    live, client_for, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    client = client_for("operator_user")
    with django_capture_on_commit_callbacks(execute=True):  # the commit publishes the task
        response = client.post(URL, RUN, format="json")
    assert response.status_code == 202, response.json()
    body = client.get(response["Location"]).json()
    assert body["id"] == response.json()["id"]
    assert body["status"] == "succeeded"
    assert body["output"]
    assert body["route"] == "byok"
    assert body["total_tokens"] > 0
    assert body["outbound_requests"]
    assert body["resolution_trace"]


def test_it_queues_a_run_without_wait(demo, client_for) -> None:
    response = client_for("operator_user").post(URL, RUN, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    assert Invocation.objects.get(pk=response.json()["id"]).status == InvocationStatus.QUEUED


def test_it_returns_the_first_run_for_a_replayed_idempotency_key(demo, client_for) -> None:
    client = client_for("operator_user")
    first = client.post(URL, RUN, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(URL, RUN, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Invocation.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "query", "field"),
    [
        ({"input": {}}, "", "skill"),
        ({**RUN, "input": "text"}, "", "input"),
        ({**RUN, "record": "NOPE000"}, "", "record"),
        (RUN, "?wait=31", "wait"),
        (RUN, "?wait=soon", "wait"),
    ],
)
def test_it_answers_a_malformed_request_with_a_field_error(
    demo, client_for, body, query, field
) -> None:
    response = client_for("operator_user").post(f"{URL}{query}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Invocation.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**RUN, "skill": "no_such_skill"}, "invalid_input"),
        ({**RUN, "input": {"nope": 1}}, "invalid_input"),
    ],
)
def test_it_answers_a_refused_run_with_its_code(demo, client_for, body, code) -> None:
    response = client_for("operator_user").post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_it_answers_429_past_a_rate_limit(demo, client_for) -> None:
    RateLimitRule.objects.create(
        resource=RateLimitResource.ALL, rule_type=RateLimitRuleType.INSTANCE, requests_per_hour=1
    )
    client = client_for("operator_user")
    assert client.post(URL, RUN, format="json").status_code == 202
    refused = client.post(URL, RUN, format="json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


def test_it_cancels_a_queued_run_once(demo, client_for) -> None:
    client = client_for("operator_user")
    pk = client.post(URL, RUN, format="json").json()["id"]
    assert client.post(f"{URL}{pk}/cancel/").json()["status"] == "cancelled"
    assert client.post(f"{URL}{pk}/cancel/").status_code == 400


def test_it_lets_auditors_read_runs_and_filter_them(demo, client_for) -> None:
    client_for("operator_user").post(URL, RUN, format="json")
    client = client_for("auditor_user")
    assert len(client.get(URL, {"status": "queued"}).json()["results"]) == 1
    assert client.get(URL, {"status": "succeeded"}).json()["results"] == []
    assert client.get(URL, {"status": "bogus"}).status_code == 400
    assert client.get(f"{URL}not-a-uuid/").status_code == 404
