"""Every console page against every role, through Django's test client."""

from __future__ import annotations

import pytest

from console.services.catalog import seed_catalog
from skills.models import Invocation, Skill

pytestmark = pytest.mark.django_db

ROLES = ["admin_user", "operator_user", "auditor_user", "steward_user", "stranger"]

# page → the roles (by fixture) allowed to GET it
READ_PAGES = {
    "/connections/": {"admin_user", "operator_user"},
    "/connections/new/": {"admin_user"},
    "/aliases/": {"admin_user", "operator_user"},
    "/aliases/gpt_large/map/form/": {"admin_user"},
    "/aliases/claude_large/map/form/?connection=1": {"admin_user"},
    "/skills/": {"admin_user", "operator_user"},
    "/skills/incident_summarization/": {"admin_user", "operator_user"},
    "/skills/incident_summarization/prompts/": {"admin_user", "operator_user"},
    "/agents/": {"admin_user", "operator_user"},
    "/agents/new/": {"admin_user"},
    "/invocations/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/audit/": {"admin_user", "auditor_user"},
    "/validation/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/integrations/azure_openai/card/": {"admin_user", "operator_user"},
    "/setup/azure_openai/": {"admin_user"},
    "/setup/google_gemini/?mode=vertex_ai": {"admin_user"},
    "/model-providers/": {"admin_user", "operator_user"},
    "/versions/": {"admin_user", "operator_user"},
    "/settings/": {"admin_user", "auditor_user", "steward_user"},
    "/settings/guardian/": {"admin_user", "auditor_user", "steward_user"},
    "/settings/privacy/": {"admin_user", "auditor_user", "steward_user"},
    "/settings/data-patterns/": {"admin_user", "auditor_user", "steward_user"},
    "/settings/allowed-providers/": {"admin_user", "auditor_user", "steward_user"},
    "/settings/budgets/": {"admin_user", "auditor_user", "steward_user"},
    "/overview/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/usage/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/usage/export.csv": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/health/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/alerts/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/alerts/history/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
    "/alerts/rules/new/": {"admin_user"},
    "/alerts/channels/new/": {"admin_user"},
    "/validation/share/": {"admin_user", "operator_user", "auditor_user", "steward_user"},
}
WRITE_PAGES = {
    "/integrations/azure_openai/mode/": {"mode": "oem"},
    "/settings/budgets/": {"name": "x"},
    "/aliases/gpt_large/map/": {"model": "x"},
    "/versions/skills/": {"model_version": "x"},
    "/aliases/claude_large/map/": {"model_choice": "x"},
    "/skills/incident_summarization/": {"short_description": "x"},
    "/skills/incident_summarization/prompts/draft/": {"source": "1"},
    "/alerts/rules/new/": {"name": "x", "kind": "connection_down", "window_minutes": "15"},
    "/alerts/channels/new/": {"name": "x", "kind": "email", "email_to": "a@example.com"},
}


@pytest.fixture
def catalog() -> None:
    seed_catalog()


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("url", sorted(READ_PAGES))
def test_it_opens_each_page_only_to_roles_allowed_to_read_it(
    client, request, catalog, who, url
) -> None:
    client.force_login(request.getfixturevalue(who))
    expected = 200 if who in READ_PAGES[url] else 403
    assert client.get(url).status_code == expected


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (who, url)
        for who in ("operator_user", "auditor_user", "steward_user", "stranger")
        for url in sorted(WRITE_PAGES)
        # Running a skill is an operator's job, not a configuration write; the governance
        # settings are the data steward's.
        if not (url.startswith("/skills/") and who == "operator_user")
        and not (url.startswith("/settings/") and who == "steward_user")
    ],
)
def test_it_refuses_configuration_writes_to_non_admins(client, request, catalog, who, url) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.post(url, WRITE_PAGES[url]).status_code == 403


@pytest.mark.parametrize("url", ["/connections/", "/audit/", "/invocations/", "/skills/"])
def test_it_sends_anonymous_visitors_to_log_in(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={url}")


@pytest.mark.parametrize(
    ("who", "links", "hidden"),
    [
        ("admin_user", ["/connections/", "/audit/", "/invocations/", "/settings/"], []),
        ("operator_user", ["/connections/", "/invocations/"], ["/audit/", "/settings/"]),
        ("steward_user", ["/invocations/", "/settings/"], ["/connections/", "/audit/"]),
    ],
)
def test_it_shows_only_the_navigation_the_role_allows(
    client, request, catalog, who, links, hidden
) -> None:
    client.force_login(request.getfixturevalue(who))
    nav = client.get("/", follow=True).content.decode().split("<main>")[0]
    assert all(f'href="{u}"' in nav for u in links)
    assert not any(f'href="{u}"' in nav for u in hidden)


def test_it_sends_auditors_from_the_dashboard_to_the_log(client, auditor_user) -> None:
    client.force_login(auditor_user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/invocations/"


def test_it_hides_the_audit_link_from_operators_but_shows_it_to_auditors(
    client, auditor_user
) -> None:
    client.force_login(auditor_user)
    nav = client.get("/invocations/").content.decode().split("<main>")[0]
    assert 'href="/audit/"' in nav
    assert 'href="/connections/"' not in nav


def test_it_shows_an_invocation_to_log_readers_only(
    client, catalog, auditor_user, stranger
) -> None:
    inv = Invocation.objects.create(skill=Skill.objects.first(), output="a summary")
    client.force_login(stranger)
    assert client.get(f"/invocations/{inv.pk}/").status_code == 403
    client.force_login(auditor_user)
    assert "a summary" in client.get(f"/invocations/{inv.pk}/").content.decode()
