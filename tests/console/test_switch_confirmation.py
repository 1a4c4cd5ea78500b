"""Manage integration: a switch shows what it would move and waits for a confirmation."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from core.audit import AuditAction
from providers.choices import IntegrationMode, ProviderKind
from providers.models import AliasMapping, Connection, Provider
from sandbox.demo import seed_demo
from skills.choices import PolicyScope
from skills.models import Agent, ModelProviderPolicy, Skill
from skills.services.impact import deactivation_impact, switch_impact

pytestmark = pytest.mark.django_db

URL = "/integrations/azure_openai/mode/"


@pytest.fixture
def demo() -> None:
    seed_demo("http://127.0.0.1:8900")  # nothing is called: the switch only reads and writes


@pytest.fixture
def admin(client: Client, admin_user) -> Client:
    client.force_login(admin_user)
    return client


def _switches() -> int:
    return AuditEvent.objects.filter(action=AuditAction.SWITCH).count()


def _azure() -> Provider:
    return Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)


def test_the_first_post_shows_the_impact_and_switches_nothing(demo, admin: Client) -> None:
    served = switch_impact(_azure(), IntegrationMode.OEM)
    switches = _switches()
    assert served.skills, "the demo routes skills through Azure OpenAI"
    response = admin.post(URL, {"mode": "oem"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Switch Azure OpenAI to OEM?" in html
    assert f"{len(served.skills)} skill" in html
    assert served.skills[0].name in html
    assert 'name="confirm" value="1"' in html
    assert _azure().integration_mode == IntegrationMode.BYOK
    assert _switches() == switches


def test_the_confirmed_post_switches_and_is_audited(demo, admin: Client) -> None:
    switches = _switches()
    response = admin.post(URL, {"mode": "oem", "confirm": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _azure().integration_mode == IntegrationMode.OEM
    assert "Switch Azure OpenAI to" not in response.content.decode()  # the card, not a dialog
    assert _switches() == switches + 1


def test_without_htmx_the_dashboard_shows_the_confirmation(demo, admin: Client) -> None:
    response = admin.post(URL, {"mode": "oem"})
    assert response.status_code == 200
    assert "Switch Azure OpenAI to OEM?" in response.content.decode()
    assert _azure().integration_mode == IntegrationMode.BYOK
    response = admin.post(URL, {"mode": "oem", "confirm": "1"})
    assert response.status_code == 302
    assert _azure().integration_mode == IntegrationMode.OEM


def test_a_switch_to_byok_names_the_aliases_left_without_a_mapping(demo, admin: Client) -> None:
    azure = _azure()
    admin.post(URL, {"mode": "oem", "confirm": "1"})
    # One alias loses its mapping but another keeps one, so BYOK is still ready.
    mapped = AliasMapping.objects.filter(alias__provider=azure, is_active=True)
    assert mapped.count() >= 2, "the demo maps several Azure aliases"
    lost = mapped.order_by("alias__key").first()
    lost.is_active = False
    lost.save()
    impact = switch_impact(azure, IntegrationMode.BYOK)
    assert [a.key for a in impact.unmapped] == [lost.alias.key]
    html = admin.post(URL, {"mode": "byok"}, HTTP_HX_REQUEST="true").content.decode()
    assert f"<code>{lost.alias.key}</code>" in html
    assert "Model aliases" in html
    assert _azure().integration_mode == IntegrationMode.OEM


def test_a_switch_that_would_be_refused_says_why_at_once(demo, admin: Client) -> None:
    azure = _azure()
    azure.connections.filter(owner="platform").update(is_active=False)
    response = admin.post(URL, {"mode": "oem"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "platform has no active connection" in html
    assert 'name="confirm"' not in html
    assert _azure().integration_mode == IntegrationMode.BYOK


def test_the_impact_counts_primary_and_fallback_skills_and_agents(demo) -> None:
    azure = _azure()
    gemini = Provider.objects.get(kind=ProviderKind.GOOGLE_GEMINI)
    skill = Skill.objects.filter(is_active=True).order_by("key").first()
    ModelProviderPolicy.objects.create(
        scope=PolicyScope.SKILL, skill=skill, provider=gemini, fallback_provider=azure
    )
    agent = Agent.objects.create(key="triage-bot", name="Triage bot", provider=gemini)
    on_gemini = switch_impact(gemini, IntegrationMode.OEM)
    on_azure = switch_impact(azure, IntegrationMode.OEM)
    assert skill in on_gemini.skills
    assert skill not in on_azure.skills
    assert skill in on_azure.fallback_skills
    assert agent in on_gemini.agents
    assert agent not in on_azure.agents


def test_cancel_brings_back_the_card_and_readers_without_configure_rights_cannot_switch(
    demo, client: Client, operator_user
) -> None:
    client.force_login(operator_user)
    card = client.get("/integrations/azure_openai/card/")
    assert card.status_code == 200
    assert 'id="provider-azure_openai"' in card.content.decode()
    assert client.post(URL, {"mode": "oem"}).status_code == 403
    assert _azure().integration_mode == IntegrationMode.BYOK


# -- deactivating a connection ----------------------------------------------------------------


def _customer_azure_mapping() -> AliasMapping:
    return (
        AliasMapping.objects.filter(
            alias__provider__kind=ProviderKind.AZURE_OPENAI,
            is_active=True,
            connection__owner="customer",
        )
        .select_related("connection", "alias")
        .order_by("alias__key")
        .first()
    )


def test_deactivating_first_shows_the_aliases_and_skills_that_would_lose_their_route(
    demo, admin: Client
) -> None:
    mapping = _customer_azure_mapping()
    connection = mapping.connection
    url = f"/connections/{connection.pk}/deactivate/"
    impact = deactivation_impact(connection)
    assert mapping.alias in impact.stranded
    assert impact.breaks_calls
    assert impact.skills
    html = admin.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert f"Deactivate {connection.name}?" in html
    assert f"<code>{mapping.alias.key}</code>" in html
    assert "will fail" in html
    assert impact.skills[0].name in html
    connection.refresh_from_db()
    assert connection.is_active
    page = admin.post(url)  # without htmx: a page of its own
    assert page.status_code == 200
    assert f"Deactivate {connection.name}?" in page.content.decode()
    assert admin.post(url, {"confirm": "1"}).status_code == 302
    connection.refresh_from_db()
    assert not connection.is_active


def test_a_connection_whose_aliases_another_one_serves_breaks_nothing(demo) -> None:
    mapping = _customer_azure_mapping()
    spare = Connection.objects.get(pk=mapping.connection.pk)
    spare.pk, spare.name = None, "Azure spare"  # a second connection to the same resource
    spare.save()
    impact = deactivation_impact(mapping.connection)
    assert impact.stranded  # the spare maps nothing yet
    mapping.is_active = False
    mapping.save()
    AliasMapping.objects.create(alias=mapping.alias, connection=spare, model=mapping.model)
    impact = deactivation_impact(mapping.connection)
    assert mapping.alias not in impact.mapped
    assert mapping.alias not in impact.stranded
    assert deactivation_impact(spare).mapped == [mapping.alias]
    assert deactivation_impact(spare).breaks_calls  # spare is now the only one serving it
