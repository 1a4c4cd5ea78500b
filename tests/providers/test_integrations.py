from __future__ import annotations

import pytest

from auditlog.models import AuditEvent
from core.audit import audit_context
from providers.choices import ConnectionOwner, IntegrationMode, ProviderKind, Tier
from providers.integrations import IntegrationError, readiness, set_integration_mode
from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def azure() -> Provider:
    return Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")


def _map(azure: Provider) -> None:
    version = ModelVersion.objects.create(provider=azure, name="gpt-4.1", label="GPT-4.1")
    alias = ModelAlias.objects.create(
        key="gpt_large", provider=azure, tier=Tier.LARGE, default_version=version
    )
    conn = Connection(provider=azure, name="contoso", endpoint="https://contoso.openai.azure.com")
    conn.set_secrets({"api_key": "sk-test-1234567890"})
    conn.save()
    AliasMapping.objects.create(alias=alias, connection=conn, model="gpt4o-prod")


def test_it_refuses_byok_until_an_alias_is_mapped(azure) -> None:
    with pytest.raises(IntegrationError, match="Model aliases"):
        set_integration_mode(azure, IntegrationMode.BYOK)
    azure.refresh_from_db()
    assert azure.integration_mode == IntegrationMode.OEM
    _map(azure)
    assert readiness(azure, IntegrationMode.BYOK) == []
    assert set_integration_mode(azure, IntegrationMode.BYOK).integration_mode == "byok"


def test_it_can_force_an_unready_switch_but_never_an_unsupported_one(azure) -> None:
    assert set_integration_mode(azure, IntegrationMode.BYOK, force=True).integration_mode == "byok"
    now = Provider.objects.create(kind=ProviderKind.NOW_LLM, name="Now LLM")
    with pytest.raises(IntegrationError, match="platform-managed"):
        set_integration_mode(now, IntegrationMode.BYOK, force=True)


def test_it_records_the_switch_with_its_actor(azure, admin_user) -> None:
    _map(azure)
    with audit_context(actor=admin_user, source="ui"):
        set_integration_mode(azure, IntegrationMode.BYOK)
    event = AuditEvent.objects.get(action="switch")
    assert event.actor == admin_user
    assert event.changes["integration_mode"] == ["oem", "byok"]


def test_it_needs_a_platform_connection_to_go_back_to_oem(azure) -> None:
    _map(azure)
    set_integration_mode(azure, IntegrationMode.BYOK)
    with pytest.raises(IntegrationError, match="platform has no active connection"):
        set_integration_mode(azure, IntegrationMode.OEM)
    conn = Connection(
        provider=azure,
        name="platform-azure",
        owner=ConnectionOwner.PLATFORM,
        endpoint="https://platform.openai.azure.com",
    )
    conn.set_secrets({"api_key": "sk-platform-123456789"})
    conn.save()
    assert set_integration_mode(azure, IntegrationMode.OEM).integration_mode == "oem"
