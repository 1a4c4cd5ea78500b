"""`?wait` never runs a provider call in a web worker: the run goes to Celery as without
wait, and the request only watches its row, for at most the configured cap. A flood of
waiting requests therefore costs the web server sleeping threads for a bounded time, never
the provider calls themselves.

Without a worker (and without eager mode) a waited run must come back 202 with a `Location`
to poll, still queued, and the sandbox must have seen nothing. With Celery in eager mode the
run finishes before the wait ends and the answer is 200 with the finished run.
"""

from __future__ import annotations

import time

import pytest

from skills.choices import InvocationStatus
from skills.models import AgentRun, Invocation
from tests.api.conftest import live
from tests.api.eager import eager_tasks

__all__ = ["eager_tasks", "live"]

pytestmark = pytest.mark.django_db

RUN = {
    "skill": "incident_summarization",
    "input": {"short_description": "Email down", "description": "Outlook cannot connect."},
}
AGENT_RUN = {"agent": "incident_triage", "goal": 'Triage "INC0010001" and say its priority.'}
DOORS = [
    ("/api/v1/invocations/", RUN, Invocation),
    ("/api/v1/agent-runs/", AGENT_RUN, AgentRun),
]
# A waited request that finds no worker answers once its wait is over, plus a request's time.
SLACK_SECONDS = 1.5


@pytest.mark.parametrize(("url", "body", "model"), DOORS)
def test_a_waited_run_is_left_to_the_worker(live, client_for, url, body, model) -> None:
    live.clear_requests()
    started = time.monotonic()
    response = client_for("operator_user").post(f"{url}?wait=1", body, format="json")
    elapsed = time.monotonic() - started
    assert response.status_code == 202, response.json()
    assert elapsed < 1 + SLACK_SECONDS
    run = model.objects.get(pk=response.json()["id"])
    assert run.status == InvocationStatus.QUEUED
    assert response["Location"] == f"http://testserver{url}{run.pk}/"
    assert live.requests == []  # no provider call was made by the web request


@pytest.mark.parametrize(("url", "body", "model"), DOORS)
def test_a_queued_run_says_where_to_poll(live, client_for, url, body, model) -> None:
    client = client_for("operator_user")
    response = client.post(url, body, format="json")
    assert response.status_code == 202
    location = response["Location"]
    assert location.endswith(f"{url}{response.json()['id']}/")
    assert client.get(location).json()["status"] == "queued"


@pytest.mark.parametrize(("url", "body", "model"), DOORS)
def test_it_refuses_a_wait_beyond_the_cap(live, client_for, settings, url, body, model) -> None:
    settings.API_MAX_WAIT_SECONDS = 2
    client = client_for("operator_user")
    refused = client.post(f"{url}?wait=3", body, format="json")
    assert refused.status_code == 400
    assert "2" in refused.json()["wait"][0]
    assert not model.objects.exists()
    assert client.post(f"{url}?wait=0", body, format="json").status_code == 202


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_tasks")
def test_a_waited_run_that_the_worker_finishes_answers_200(live, client_for) -> None:
    response = client_for("operator_user").post("/api/v1/invocations/?wait=30", RUN, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "succeeded", body["error_message"]
    assert body["output"]
    assert body["outbound_requests"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("eager_tasks")
def test_a_waited_agent_run_that_the_worker_finishes_answers_200(live, client_for) -> None:
    response = client_for("operator_user").post(
        "/api/v1/agent-runs/?wait=30", AGENT_RUN, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "succeeded", body["error_message"]
    assert body["steps"]
