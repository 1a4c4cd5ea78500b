"""The validation page's table: each cell as shown, and one query for the rows however many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.choices import ProviderKind
from providers.models import Connection, Provider
from providers.outbound.models import OutboundRequest

pytestmark = pytest.mark.django_db

STAMP = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)


def _rows(count: int) -> None:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    conns = [Connection.objects.create(provider=azure, name=f"contoso-{i}") for i in range(5)]
    OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=STAMP - timedelta(seconds=i),
            provider=azure,
            connection=conns[i % 5],
            route="byok",
            purpose="invocation",
            method="POST",
            host="contoso.openai.azure.com",
            path="/x",
            status_code=200,
        )
        for i in range(count)
    )


def _table(client, **params: str) -> str:
    body = client.get("/validation/", params, headers={"HX-Request": "true"}).content.decode()
    return " ".join(body.split())


def test_it_shows_each_cell(client, auditor_user) -> None:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    conn = Connection.objects.create(provider=azure, name="contoso-prod")
    first = OutboundRequest.objects.create(
        created_at=STAMP,
        provider=azure,
        connection=conn,
        route="byok",
        purpose="invocation",
        account="contoso",
        method="POST",
        host="contoso.openai.azure.com",
        path="/openai/deployments/gpt4o/chat/completions?a=<b>&c",
        status_code=429,
        latency_ms=412,
        provider_request_id="req-1",
    )
    second = OutboundRequest.objects.create(
        created_at=STAMP - timedelta(minutes=1),
        purpose="probe",
        method="GET",
        host="llm.example.com",
        path="/v1/models",
        error="connect timeout",
        latency_ms=0,
    )
    client.force_login(auditor_user)
    html = _table(client)
    assert (
        f'<tr class="state-done"> <td><a href="/validation/{first.pk}/">2026-03-01 12:30:05</a>'
        "</td> <td>Azure OpenAI</td> <td>contoso-prod</td>"
        ' <td><span class="badge byok">BYOK</span></td> <td>contoso</td>'
        " <td><code>POST contoso.openai.azure.com/openai/deployments/gpt4o/chat/completions"
        "?a=&lt;b&gt;&amp;c</code></td> <td>429</td> <td>412</td> <td><code>req-1</code></td>"
        " </tr>"
    ) in html
    assert (
        f'<tr class="state-done"> <td><a href="/validation/{second.pk}/">2026-03-01 12:29:05</a>'
        "</td> <td>—</td> <td>—</td>"
        ' <td><span class="badge ">—</span></td> <td></td>'
        " <td><code>GET llm.example.com/v1/models</code></td> <td>connect timeout</td>"
        " <td></td> <td><code></code></td> </tr>"
    ) in html


def test_it_says_when_nothing_matches(client, auditor_user) -> None:
    client.force_login(auditor_user)
    assert "No outbound requests match." in _table(client, host="nowhere.example")


@pytest.mark.parametrize("count", [3, 60])
def test_the_rows_cost_one_query_however_many(client, auditor_user, count) -> None:
    _rows(count)
    client.force_login(auditor_user)
    _table(client)  # session and role lookups are cached from here on
    with CaptureQueriesContext(connection) as ctx:
        html = _table(client)
    outbound = [q for q in ctx.captured_queries if "providers_outboundrequest" in q["sql"]]
    assert len(outbound) == 1
    assert html.count('<tr class="state-done"> <td><a href=') == min(count, 50)
    assert len(ctx.captured_queries) <= 4


def test_it_marks_requests_still_sending_or_of_unknown_outcome(client, auditor_user) -> None:
    for state in ("sending", "unknown"):
        OutboundRequest.objects.create(
            created_at=STAMP, purpose="invocation", method="POST", host="h", path="/p", state=state
        )
    client.force_login(auditor_user)
    html = _table(client)
    assert '<tr class="state-sending">' in html
    assert "sending…" in html
    assert '<tr class="state-unknown">' in html
    assert "outcome unknown" in html
