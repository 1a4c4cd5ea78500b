"""No response of any endpoint carries a secret; the schema is valid; agents run over REST."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from auditlog.models import AuditEvent
from skills.models import AgentRun
from tests.api.eager import eager_tasks

__all__ = ["eager_tasks"]

pytestmark = pytest.mark.django_db

KNOWN = "sk-scan-me-if-you-can-7777"
SA_KEY = "-----BEGIN PRIVATE KEY-----scan-me-too-----END PRIVATE KEY-----"
LISTS = [
    "providers",
    "connections",
    "model-aliases",
    "alias-mappings",
    "skills",
    "skill-variants",
    "model-provider-policies",
    "version-overrides",
    "invocations",
    "agents",
    "agent-runs",
    "health-checks",
    "outbound-requests",
    "audit-events",
]
LOOKUP = {
    "providers": "kind",
    "connections": "name",
    "model-aliases": "key",
    "skills": "key",
    "agents": "key",
}


def _body(response) -> str:
    return response.content.decode()


def test_it_never_returns_a_secret_from_any_endpoint(demo, client_for) -> None:
    client = client_for("superuser")
    created = [
        client.post(
            "/api/v1/connections/",
            {
                "name": "scan-azure",
                "provider": "azure_openai",
                "endpoint": "http://127.0.0.1:8900/azure/scan",
                "credentials": {"api_key": KNOWN},
            },
            format="json",
        ),
        client.post(
            "/api/v1/connections/",
            {
                "name": "scan-vertex",
                "provider": "google_gemini",
                "mode": "vertex_ai",
                "project": "p",
                "location": "us-central1",
                "endpoint": "http://127.0.0.1:8900",
                "credentials": {
                    "service_account_json": {
                        "client_email": "x@p.iam.gserviceaccount.com",
                        "private_key": SA_KEY,
                        "token_uri": "http://127.0.0.1:8900/token",
                    }
                },
            },
            format="json",
        ),
    ]
    assert [r.status_code for r in created] == [201, 201], [r.json() for r in created]
    secrets = [KNOWN, SA_KEY, "scan-me-too", *demo]
    bodies = [_body(r) for r in created]
    for name in LISTS:
        listing = client.get(f"/api/v1/{name}/")
        assert listing.status_code == 200, name
        bodies.append(_body(listing))
        rows = listing.json()["results"]
        if rows:
            key = LOOKUP.get(name, "id")
            detail = client.get(f"/api/v1/{name}/{rows[0][key]}/")
            assert detail.status_code == 200, name
            bodies.append(_body(detail))
    for conn in ("scan-azure", "scan-vertex", "contoso-azure"):
        bodies.append(_body(client.get(f"/api/v1/connections/{conn}/")))
    bodies.append(_body(client.get("/api/v1/config/export/")))
    bodies.append(_body(client.get("/api/v1/audit-events/", {"object_type": "connection"})))
    bodies.append(_body(client.get("/api/v1/schema/")))
    text = "\n".join(bodies)
    leaked = [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]
    assert leaked == []


def test_it_attributes_token_authenticated_writes_to_the_caller(demo, admin_user) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")
    response = client.patch(
        "/api/v1/connections/contoso-azure/", {"description": "by token"}, format="json"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(object_repr="contoso-azure").latest("created_at")
    assert (event.actor, event.source) == (admin_user, "api")


@pytest.mark.parametrize(
    "query",
    [{"provider": "nope"}, {"owner": "nobody"}, {"health_status": "bogus"}, {"page": "x"}],
)
def test_it_answers_bad_query_parameters_with_400_or_404(demo, client_for, query) -> None:
    response = client_for("admin_user").get("/api/v1/connections/", query)
    assert response.status_code == (404 if "page" in query else 400)


def test_it_starts_an_agent_run(demo, client_for) -> None:
    client = client_for("operator_user")
    response = client.post(
        "/api/v1/agent-runs/", {"agent": "incident_triage", "goal": "Triage INC0010001"}
    )
    assert response.status_code == 202, response.json()
    assert AgentRun.objects.get(pk=response.json()["id"]).goal == "Triage INC0010001"
    refused = client.post("/api/v1/agent-runs/", {"agent": "nobody", "goal": "x"})
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_input")


def test_it_serves_a_valid_openapi_schema(client_for) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    schema = client_for("operator_user").get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    paths = schema.json()["paths"]
    assert "/api/v1/invocations/" in paths
    assert "/api/v1/connections/{id}/test/" in paths
    assert "/api/v1/config/import/" in paths


def test_it_cancels_an_agent_run_once(demo, client_for) -> None:
    client = client_for("operator_user")
    run = client.post("/api/v1/agent-runs/", {"agent": "incident_triage", "goal": "Triage"}).json()
    url = f"/api/v1/agent-runs/{run['id']}/cancel/"
    assert client.post(url).json()["status"] == "cancelled"
    assert client.post(url).status_code == 400


def test_it_runs_an_agent_on_a_worker_and_points_to_the_result(
    live, client_for, eager_tasks, django_capture_on_commit_callbacks
) -> None:
    client = client_for("operator_user")
    with django_capture_on_commit_callbacks(execute=True):  # the commit publishes the task
        response = client.post(
            "/api/v1/agent-runs/",
            {"agent": "incident_triage", "goal": 'Triage "INC0010001" and say its priority.'},
        )
    assert response.status_code == 202, response.json()
    body = client.get(response["Location"]).json()
    assert body["status"] == "succeeded", body["error_message"]
    assert body["steps"]
    assert body["outbound_requests"]
