"""One pagination per kind: page numbers for configuration, core's cursor for every log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import resolve
from django.utils import timezone

from core.api import CataloguePage, NewestFirstCursor, NewestFirstKeyset
from providers.models import Connection, HealthCheck, Provider
from providers.outbound.models import OutboundRequest
from skills.models import Invocation, Skill

pytestmark = pytest.mark.django_db

LOGS = [
    "/api/v1/invocations/",
    "/api/v1/agent-runs/",
    "/api/v1/health-checks/",
    "/api/v1/audit-events/",
]
CATALOGUES = ["/api/v1/connections/", "/api/v1/skills/", "/api/v1/model-aliases/"]


@pytest.mark.parametrize("path", LOGS)
def test_every_log_pages_with_the_core_cursor_itself(path) -> None:
    assert resolve(path).func.cls.pagination_class is NewestFirstCursor


@pytest.mark.parametrize("path", CATALOGUES)
def test_catalogues_page_by_number(path) -> None:
    assert resolve(path).func.cls.pagination_class is CataloguePage


def test_the_outbound_log_pages_with_the_cursor_s_keyset_variant() -> None:
    assert resolve("/api/v1/outbound-requests/").func.cls.pagination_class is NewestFirstKeyset
    assert issubclass(NewestFirstKeyset, NewestFirstCursor)


def test_no_log_has_a_pagination_class_of_its_own() -> None:
    assert NewestFirstCursor.__subclasses__() == [NewestFirstKeyset]
    assert not NewestFirstKeyset.__subclasses__()
    assert not CataloguePage.__subclasses__()


def _walk(client, path: str, params: dict) -> tuple[list, list[dict]]:
    pages, url = [], path
    while url:
        body = client.get(url, params if url == path else None).json()
        pages.append(body)
        url = body["next"]
    return pages, [row for body in pages for row in body["results"]]


def test_health_checks_read_newest_first_by_their_own_time(client_for) -> None:
    """A log timed by another column than `created_at` names it in the view's `ordering`."""
    azure = Provider.objects.create(kind="azure_openai", name="Azure OpenAI")
    conn = Connection.objects.create(provider=azure, name="contoso")
    now = timezone.now()
    checks = [HealthCheck.objects.create(connection=conn, ok=bool(i % 2)) for i in range(5)]
    for i, check in enumerate(checks):  # the oldest made last
        HealthCheck.objects.filter(pk=check.pk).update(checked_at=now - timedelta(minutes=5 - i))
    pages, rows = _walk(client_for("auditor_user"), "/api/v1/health-checks/", {"page_size": 2})
    assert [set(body) for body in pages] == [{"next", "previous", "results"}] * 3
    assert [r["id"] for r in rows] == [c.pk for c in reversed(checks)]


def test_runs_of_the_same_moment_are_each_read_once(client_for) -> None:
    """Ties on `created_at` are broken by id: a page boundary inside them loses no run."""
    skill = Skill.objects.create(key="s", name="S", group="itsm", capability="summarize")
    runs = [Invocation.objects.create(skill=skill) for _ in range(5)]
    Invocation.objects.update(created_at=timezone.now())
    _, rows = _walk(client_for("auditor_user"), "/api/v1/invocations/", {"page_size": 2})
    assert sorted(r["id"] for r in rows) == sorted(str(r.pk) for r in runs)
    assert [r["id"] for r in rows] == sorted((str(r.pk) for r in runs), reverse=True)


def test_the_outbound_log_keeps_its_answer_and_its_filters_across_pages(client_for) -> None:
    azure = Provider.objects.create(kind="azure_openai", name="Azure OpenAI")
    now = timezone.now()
    OutboundRequest.objects.bulk_create(
        OutboundRequest(
            created_at=now - timedelta(seconds=i // 2),  # pairs share a moment
            provider=azure,
            purpose="invocation",
            method="POST",
            host="a.example" if i % 3 else "b.example",
            path="/x",
        )
        for i in range(12)
    )
    pages, rows = _walk(
        client_for("auditor_user"),
        "/api/v1/outbound-requests/",
        {"host": "a.example", "page_size": 3},
    )
    assert [set(body) for body in pages] == [{"next", "next_cursor", "results"}] * 3
    assert [bool(body["next_cursor"]) for body in pages] == [True, True, False]
    expected = OutboundRequest.objects.filter(host="a.example").order_by("-created_at", "-id")
    assert [r["id"] for r in rows] == list(expected.values_list("pk", flat=True))


def test_the_page_and_the_api_refuse_the_same_page_sizes(client, client_for, admin_user) -> None:
    api = client_for("admin_user").get("/api/v1/outbound-requests/", {"page_size": "501"})
    assert api.status_code == 400
    (message,) = api.json()["page_size"]
    client.force_login(admin_user)
    html = client.get("/validation/", {"page_size": "501"}).content.decode()
    assert f"Page size: {message}" in html
