from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from auditlog.models import AuditEvent
from providers.choices import ProviderKind
from providers.models import Provider
from providers.outbound.models import OutboundRequest

pytestmark = pytest.mark.django_db

OUTBOUND = "/api/v1/outbound-requests/"
AUDIT = "/api/v1/audit-events/"


@pytest.fixture
def logs() -> None:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    Provider.objects.create(kind=ProviderKind.AWS_BEDROCK, name="Bedrock")
    now = timezone.now()
    OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=now - timedelta(minutes=i),
            provider=azure,
            route="byok",
            purpose="invocation",
            method="POST",
            host="contoso.openai.azure.com",
            path="/openai/deployments/gpt4o/chat/completions",
            status_code=429 if i == 3 else 200,
        )
        for i in range(7)
    )
    AuditEvent.objects.create(
        source="api", action="update", object_type="connection", object_id="1", object_repr="x"
    )


def _client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("who", "outbound", "audit"),
    [
        ("admin_user", 200, 200),
        ("operator_user", 200, 403),
        ("auditor_user", 200, 200),
        ("stranger", 403, 403),
        ("superuser", 200, 200),
    ],
)
def test_it_enforces_the_role_matrix(request, logs, who, outbound, audit) -> None:
    client = _client(request.getfixturevalue(who))
    assert client.get(OUTBOUND).status_code == outbound
    assert client.get(AUDIT).status_code == audit


def test_it_refuses_anonymous_callers(logs) -> None:
    assert APIClient().get(OUTBOUND).status_code in (401, 403)


def test_it_refuses_writes_to_the_logs(logs, admin_user) -> None:
    client = _client(admin_user)
    assert client.post(OUTBOUND, {}, format="json").status_code == 405
    assert client.delete(f"{AUDIT}{AuditEvent.objects.first().pk}/").status_code == 405


def test_it_pages_by_cursor_and_filters(logs, auditor_user) -> None:
    client = _client(auditor_user)
    first = client.get(OUTBOUND, {"provider": "azure_openai", "page_size": 4}).json()
    assert len(first["results"]) == 4
    second = client.get(
        OUTBOUND, {"provider": "azure_openai", "page_size": 4, "cursor": first["next_cursor"]}
    ).json()
    assert len(second["results"]) == 3
    assert second["next_cursor"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 7
    only_429 = client.get(OUTBOUND, {"status_code": 429}).json()["results"]
    assert [r["status_code"] for r in only_429] == [429]
    assert only_429[0]["provider"] == "azure_openai"
    assert client.get(OUTBOUND, {"provider": "aws_bedrock"}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"provider": "nope"}, "provider"),
        ({"status_code": "abc"}, "status_code"),
        ({"since": "yesterday"}, "since"),
        ({"until": "9999-12-31T23:00:00-05:00"}, "until"),  # past year 9999 in UTC
        ({"cursor": "garbage!"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
        ({"connection": "missing"}, "connection"),
    ],
)
def test_it_answers_bad_filters_with_a_field_error(logs, admin_user, params, field) -> None:
    response = _client(admin_user).get(OUTBOUND, params)
    assert response.status_code == 400
    assert field in response.json()


def test_it_takes_a_moment_at_any_offset(logs, admin_user) -> None:
    """An offset PostgreSQL would refuse (over ±15:59) is the same moment in UTC."""
    stamp = timezone.now() + timedelta(days=1)
    odd = stamp.astimezone(timezone.get_fixed_timezone(-(22 * 60 + 24))).isoformat()
    response = _client(admin_user).get(OUTBOUND, {"until": odd, "since": "2000-01-01T00:00+22:00"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 7


def test_it_returns_one_row_or_404(logs, admin_user) -> None:
    client = _client(admin_user)
    row = OutboundRequest.objects.first()
    assert client.get(f"{OUTBOUND}{row.pk}/").json()["host"] == "contoso.openai.azure.com"
    assert client.get(f"{OUTBOUND}999999/").status_code == 404
    assert client.get(f"{OUTBOUND}abc/").status_code == 404


def test_it_serves_a_valid_openapi_schema(admin_user) -> None:
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    client = _client(admin_user)
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_it_names_an_unknown_connection_whatever_it_holds(logs, admin_user) -> None:
    """A `%` in what was typed is text in the message, not a format (once a 500)."""
    response = _client(admin_user).get(OUTBOUND, {"connection": "100% %s (x)"})
    assert response.status_code == 400
    assert response.json() == {"connection": ["Unknown connection '100% %s (x)'."]}
