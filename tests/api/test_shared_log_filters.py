"""One FilterSet per log: the console's page and the API list filter with the same class.

Each test would fail were the console and the API to define a log's filters apart again: the
class each uses, every filter drawn on the page and offered by the API, and a filter added to
the FilterSet alone taking effect on both.
"""

from __future__ import annotations

import json
from datetime import timedelta

import django_filters
import pytest
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from auditlog.filtersets import AuditEventFilter
from auditlog.models import AuditEvent
from providers.filtersets import OutboundRequestFilter
from providers.models import Provider
from providers.outbound.models import OutboundRequest
from skills.filtersets import AgentRunFilter, InvocationFilter
from skills.models import Invocation, Skill

pytestmark = pytest.mark.django_db

LOGS = [
    ("/validation/", "/api/v1/outbound-requests/", OutboundRequestFilter),
    ("/invocations/", "/api/v1/invocations/", InvocationFilter),
    ("/audit/", "/api/v1/audit-events/", AuditEventFilter),
]


def _api_parameters(path: str) -> set[str]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(document))
    return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}


@pytest.mark.parametrize(("page", "api", "filterset_class"), LOGS)
def test_it_filters_the_page_and_the_api_with_one_filterset(
    client, admin_user, page, api, filterset_class
) -> None:
    assert resolve(api).func.cls.filterset_class is filterset_class
    client.force_login(admin_user)
    response = client.get(page)
    assert type(response.context["filterset"]) is filterset_class
    html = response.content.decode()
    drawn = {name for name in filterset_class.base_filters if f'name="{name}"' in html}
    assert drawn == set(filterset_class.base_filters)
    assert set(filterset_class.base_filters) <= _api_parameters(api)


def test_agent_runs_are_filtered_by_the_skills_app_filterset() -> None:
    """No console page lists agent runs yet; the API's filters live with the others."""
    assert resolve("/api/v1/agent-runs/").func.cls.filterset_class is AgentRunFilter


def test_a_filter_added_to_the_outbound_filterset_shows_on_both(
    monkeypatch, client, client_for, admin_user
) -> None:
    azure = Provider.objects.create(kind="azure_openai", name="Azure OpenAI")
    now = timezone.now()
    for i, host in enumerate(("a.example", "b.example")):
        OutboundRequest.objects.create(
            created_at=now - timedelta(seconds=i),
            provider=azure,
            purpose="invocation",
            method="POST",
            host=host,
            path="/x",
            provider_request_id=f"req-{host}",
        )
    hostname = django_filters.CharFilter(field_name="host", label="Hostname")
    monkeypatch.setitem(OutboundRequestFilter.base_filters, "hostname", hostname)

    client.force_login(admin_user)
    html = client.get("/validation/", {"hostname": "b.example"}).content.decode()
    assert 'name="hostname"' in html
    assert "req-b.example" in html
    assert "req-a.example" not in html
    api = client_for("admin_user").get("/api/v1/outbound-requests/", {"hostname": "b.example"})
    assert [r["host"] for r in api.json()["results"]] == ["b.example"]


def test_a_filter_added_to_the_invocation_filterset_shows_on_both(
    monkeypatch, client, client_for, admin_user
) -> None:
    skill = Skill.objects.create(key="s", name="S", group="itsm", capability="summarize")
    Invocation.objects.create(skill=skill, model="gpt-4o-2024")
    Invocation.objects.create(skill=skill, model="claude-sonnet")
    model = django_filters.CharFilter(field_name="model", label="Model")
    monkeypatch.setitem(InvocationFilter.base_filters, "model", model)

    client.force_login(admin_user)
    html = client.get("/invocations/", {"model": "claude-sonnet"}).content.decode()
    assert 'name="model"' in html
    assert "<code>claude-sonnet</code>" in html
    assert "gpt-4o-2024" not in html
    api = client_for("admin_user").get("/api/v1/invocations/", {"model": "claude-sonnet"})
    assert [r["model"] for r in api.json()["results"]] == ["claude-sonnet"]


def test_a_filter_added_to_the_audit_filterset_shows_on_both(
    monkeypatch, client, client_for, admin_user
) -> None:
    for name in ("contoso-prod", "fabrikam-test"):
        AuditEvent.objects.create(
            source="api", action="update", object_type="providers.connection", object_repr=name
        )
    object_repr = django_filters.CharFilter(field_name="object_repr", label="Object")
    monkeypatch.setitem(AuditEventFilter.base_filters, "object_repr", object_repr)

    client.force_login(admin_user)
    html = client.get("/audit/", {"object_repr": "fabrikam-test"}).content.decode()
    assert 'name="object_repr"' in html
    assert "<strong>fabrikam-test</strong>" in html
    assert "contoso-prod" not in html
    api = client_for("admin_user").get("/api/v1/audit-events/", {"object_repr": "fabrikam-test"})
    assert [r["object_repr"] for r in api.json()["results"]] == ["fabrikam-test"]


def test_an_object_type_matches_in_any_case_on_both(client, client_for, admin_user) -> None:
    """The console always matched types whatever the case typed; the API now does too."""
    AuditEvent.objects.create(
        source="api", action="update", object_type="providers.connection", object_repr="mine"
    )
    AuditEvent.objects.create(
        source="api", action="update", object_type="skills.skill", object_repr="other"
    )
    client.force_login(admin_user)
    html = client.get("/audit/", {"object_type": "Providers.Connection"}).content.decode()
    assert "<strong>mine</strong>" in html
    assert "<strong>other</strong>" not in html
    api = client_for("admin_user").get(
        "/api/v1/audit-events/", {"object_type": "PROVIDERS.connection"}
    )
    assert [r["object_repr"] for r in api.json()["results"]] == ["mine"]


def test_a_skill_is_a_list_on_the_page_and_a_key_in_the_api(client, client_for, admin_user) -> None:
    """The page offers the skills by name; the API answers an unknown key with no rows."""
    skill = Skill.objects.create(key="summarize", name="Summarize", group="itsm", capability="x")
    Invocation.objects.create(skill=skill)
    client.force_login(admin_user)
    html = client.get("/invocations/", {"skill": "summarize"}).content.decode()
    assert '<option value="summarize" selected>Summarize</option>' in html
    api = client_for("admin_user")
    assert len(api.get("/api/v1/invocations/", {"skill": "summarize"}).json()["results"]) == 1
    unknown = api.get("/api/v1/invocations/", {"skill": "no_such_skill"})
    assert (unknown.status_code, unknown.json()["results"]) == (200, [])


def test_the_page_and_the_api_refuse_a_bad_filter_in_the_same_words(
    client, client_for, admin_user
) -> None:
    client.force_login(admin_user)
    html = client.get("/validation/", {"status_code": "999"}).content.decode()
    api = client_for("admin_user").get("/api/v1/outbound-requests/", {"status_code": "999"})
    assert api.status_code == 400
    (message,) = api.json()["status_code"]
    assert message == "Ensure this value is less than or equal to 599."
    assert message in html
