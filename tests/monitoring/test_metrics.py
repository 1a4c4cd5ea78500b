"""`/metrics`: closed without a token, refused with a wrong one, and, with the right one,
the console's figures from the database — at a cost that does not grow with the log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from providers.models import Connection
from providers.outbound.models import OutboundRequest
from skills.services.invocations import create_invocation, run_invocation
from tests.api.conftest import live, sandbox

__all__ = ["live", "sandbox"]

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789"
INPUT = {"short_description": "Email down", "description": "Outlook cannot connect."}


def _scrape(client, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", headers=headers)


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_it_is_closed_while_no_token_is_set(client, settings) -> None:
    settings.BYOK_METRICS_TOKEN = ""
    response = _scrape(client, "")
    assert response.status_code == 403
    assert "BYOK_METRICS_TOKEN" in response.content.decode()


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x", TOKEN[:-1]])
def test_it_refuses_a_missing_or_wrong_token(client, settings, token) -> None:
    settings.BYOK_METRICS_TOKEN = TOKEN
    response = _scrape(client, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "byok_" not in response.content.decode()


def test_it_refuses_other_methods(client, settings) -> None:
    settings.BYOK_METRICS_TOKEN = TOKEN
    assert client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405


def test_it_exposes_calls_tokens_cost_latency_queue_and_health(client, settings, live) -> None:
    settings.BYOK_METRICS_TOKEN = TOKEN
    invocation = run_invocation(create_invocation("incident_summarization", INPUT).pk)
    assert invocation is not None
    assert invocation.status == "succeeded", invocation.error_message
    create_invocation("incident_summarization", INPUT)  # waits in the queue
    row = invocation.outbound_requests.get()
    kind = invocation.provider.kind
    route = invocation.route
    conn = invocation.connection.name
    Connection.objects.filter(pk=invocation.connection_id).update(health_status="down")

    response = _scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = _samples(response.content.decode())
    base = {("provider", kind), ("route", route)}
    assert samples[("byok_invocations_total", frozenset(base))] == 1
    assert samples[("byok_tokens_total", frozenset({*base, ("kind", "prompt")}))] == (
        invocation.prompt_tokens
    )
    assert samples[("byok_cost_total", frozenset(base))] == pytest.approx(float(invocation.cost))
    where = {("provider", kind), ("connection", conn)}
    assert samples[("byok_outbound_requests", frozenset(where))] == 1
    assert samples[("byok_outbound_errors", frozenset(where))] == 0
    assert samples[("byok_outbound_latency_seconds_gcount", frozenset(where))] == 1
    assert samples[("byok_outbound_latency_seconds_gsum", frozenset(where))] == pytest.approx(
        row.latency_ms / 1000
    )
    assert samples[("byok_runs_queued", frozenset({("kind", "invocation")}))] == 1
    assert samples[("byok_connection_health", frozenset(where))] == 0


def _log(count: int, connection: Connection) -> None:
    """`count` requests, every other one an hour old (outside the window); of the recent
    ones, every other one failed."""
    now = timezone.now()
    OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=now - timedelta(seconds=10 if i % 2 else 3600),
            provider_id=connection.provider_id,
            connection=connection,
            purpose="invocation",
            method="POST",
            host="h",
            path="/p",
            status_code=500 if i % 4 == 1 else 200,
            latency_ms=40 * (i % 50),
        )
        for i in range(count)
    )


def test_a_scrape_costs_the_same_queries_however_long_the_log(client, settings, live) -> None:
    settings.BYOK_METRICS_TOKEN = TOKEN
    connection = Connection.objects.filter(owner="customer").order_by("pk").first()
    _log(10, connection)
    with CaptureQueriesContext(db) as small:
        assert _scrape(client).status_code == 200
    _log(2000, connection)
    with CaptureQueriesContext(db) as large:
        text = _scrape(client).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    samples = _samples(text)
    where = frozenset({("provider", connection.provider.kind), ("connection", connection.name)})
    assert samples[("byok_outbound_requests", where)] == 5 + 1000
    assert samples[("byok_outbound_errors", where)] == 3 + 500
