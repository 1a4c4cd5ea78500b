"""The validation page's figures and filters: the share of requests that went to the
customer's own accounts (by account identity), and the host, path and time filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from providers import services
from providers.models import Provider
from providers.outbound import queries
from providers.outbound.models import OutboundRequest
from providers.validation import account_share
from tests.providers.conftest import _fresh_adapters, sandbox
from tests.providers.modes import BY_ID

__all__ = ["_fresh_adapters", "sandbox"]

pytestmark = pytest.mark.django_db

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _row(host: str, path: str = "/x", **fields) -> OutboundRequest:
    fields.setdefault("created_at", STAMP)
    return OutboundRequest.objects.create(
        purpose="invocation", method="POST", host=host, path=path, status_code=200, **fields
    )


def _hosts(client, **params: str) -> list[str]:
    response = client.get("/api/v1/outbound-requests/", params)
    assert response.status_code == 200, response.content
    return [r["host"] for r in response.json()["results"]]


def test_it_counts_real_requests_to_the_connections_account_as_own(sandbox) -> None:
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    since = timezone.now() - timedelta(minutes=1)
    assert services.test_connection(connection, model="gemini-2.5-flash").ok
    own = OutboundRequest.objects.get(connection=connection)
    # The platform's account, for the same provider: an exception, whatever its route says.
    _row(
        "generativelanguage.googleapis.com",
        provider=connection.provider,
        account="oem-key",
        route="byok",
        created_at=timezone.now(),
    )
    [share] = account_share(since)
    assert (share.provider, share.total, share.own, share.percent) == (
        connection.provider.name,
        2,
        1,
        50.0,
    )
    assert share.accounts == [own.account]
    assert [(e.account, e.route, e.count) for e in share.exceptions] == [("oem-key", "byok", 1)]


def test_it_shows_the_share_on_the_page(client, auditor_user, sandbox) -> None:
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    assert services.test_connection(connection, model="gemini-2.5-flash").ok
    client.force_login(auditor_user)
    page = client.get("/validation/").content.decode()
    assert 'hx-get="/validation/share/?"' in page  # loaded on its own, after the table
    html = " ".join(client.get("/validation/share/").content.decode().split())
    assert "Requests to your own accounts" in html
    assert f"<td>{connection.provider.name}</td> <td>1</td> <td>1</td>" in html
    assert "100.0 %" in html
    # Outside the period chosen, nothing is counted.
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    html = client.get("/validation/share/", {"since": later}).content.decode()
    assert "No requests in this period." in html


def test_it_filters_by_any_part_of_the_host(client, auditor_user) -> None:
    _row("contoso.openai.azure.com")
    _row("fabrikam.openai.azure.com", created_at=STAMP - timedelta(seconds=1))
    _row("bedrock-runtime.us-east-1.amazonaws.com", created_at=STAMP - timedelta(seconds=2))
    client.force_login(auditor_user)
    assert _hosts(client, host="OpenAI.azure") == [
        "contoso.openai.azure.com",
        "fabrikam.openai.azure.com",
    ]
    assert _hosts(client, host="fabrikam") == ["fabrikam.openai.azure.com"]
    assert _hosts(client, host="nowhere") == []
    html = client.get("/validation/", {"host": "amazonaws"}).content.decode()
    assert "bedrock-runtime.us-east-1.amazonaws.com" in html
    assert "contoso.openai.azure.com" not in html


def test_it_finds_the_hosts_first_then_the_rows_by_their_index() -> None:
    _row("a.example")
    _row("b.example")
    _row("c.other")
    assert queries.hosts_containing("EXAMPLE") == ["a.example", "b.example"]
    qs = queries.filtered({"host": ["a.example", "b.example"]})
    with CaptureQueriesContext(db) as ctx:
        assert sorted(r.host for r in qs) == ["a.example", "b.example"]
    sql = ctx.captured_queries[-1]["sql"]
    assert " IN (" in sql
    assert "LIKE" not in sql.upper()


def test_a_fragment_too_many_hosts_contain_is_a_field_error(
    client, auditor_user, monkeypatch
) -> None:
    _row("a.example")
    _row("b.example")
    client.force_login(auditor_user)
    monkeypatch.setattr(queries, "MAX_MATCHING_HOSTS", 1)
    response = client.get("/api/v1/outbound-requests/", {"host": "example"})
    assert response.status_code == 400
    assert "type more of the name" in str(response.json())
    assert _hosts(client, host="a.example") == ["a.example"]


def test_it_filters_by_path_status_and_time(client, auditor_user) -> None:
    _row("h.example", path="/openai/deployments/gpt/chat/completions")
    _row(
        "h.example",
        path="/openai/deployments/gpt/embeddings",
        created_at=STAMP - timedelta(hours=2),
    )
    client.force_login(auditor_user)
    assert len(_hosts(client, path="chat/completions")) == 1
    assert len(_hosts(client, since="2026-03-01T11:00")) == 1
    assert len(_hosts(client, until="2026-03-01T11:00")) == 1
    assert len(_hosts(client, status_code="200", host="h.ex")) == 2


def test_the_page_offers_the_browsers_date_picker(client, auditor_user) -> None:
    client.force_login(auditor_user)
    html = client.get("/validation/").content.decode()
    assert 'type="datetime-local" name="since"' in html
    assert 'type="datetime-local" name="until"' in html
    assert 'name="path"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"until": "2026-13-45T99:99"},
        {"host": "x" * 300},
        {"path": "p" * 500},
        {"host": "%_%"},
    ],
)
def test_bad_filters_are_form_errors_not_500(client, auditor_user, params) -> None:
    Provider.objects.create(kind="azure_openai", name="Azure OpenAI")
    client.force_login(auditor_user)
    for page in ("/validation/", "/validation/share/"):
        assert client.get(page, params).status_code == 200
    assert client.get("/api/v1/outbound-requests/", params).status_code in (200, 400)
