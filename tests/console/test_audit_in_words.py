"""The audit trail in words: labels, names of related rows, labels of choices, never ids."""

from __future__ import annotations

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from auditlog.presentation import describe_events
from core.audit import AuditSource, audit_context
from providers.choices import ProviderKind
from providers.models import Provider
from sandbox.demo import seed_demo
from skills.choices import PolicyScope
from skills.models import ModelProviderPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    seed_demo("http://127.0.0.1:8900")


def _last(object_type: str) -> AuditEvent:
    return AuditEvent.objects.filter(object_type=object_type).latest("id")


def test_a_changed_relation_and_choice_read_as_names_and_labels(demo, admin_user) -> None:
    policy = ModelProviderPolicy.objects.get(scope=PolicyScope.INSTANCE)
    before = policy.provider
    gemini = Provider.objects.get(kind=ProviderKind.GOOGLE_GEMINI)
    with audit_context(actor=admin_user, source=AuditSource.UI):
        policy.provider = gemini
        policy.save()
    event = _last("skills.modelproviderpolicy")
    assert event.changes["provider"] == [before.pk, gemini.pk]  # stored exactly, as ids
    described = describe_events([event])[event.pk]
    assert described.kind == "model provider policy"
    change = next(c for c in described.changes if c.label == "provider")
    assert (change.old, change.new) == (str(before), str(gemini))


def test_a_related_row_deleted_since_shows_as_its_model_and_id(demo) -> None:
    event = AuditEvent.objects.create(
        source=AuditSource.API,
        action="update",
        object_type="skills.modelproviderpolicy",
        object_id="1",
        object_repr="instance → x",
        changes={"provider": [987654, None], "scope": ["skill", "instance"], "gone": [1, 2]},
    )
    changes = {c.label: c for c in describe_events([event])[event.pk].changes}
    assert changes["provider"].old == "provider #987654 (deleted)"
    assert (changes["scope"].old, changes["scope"].new) == ("Skill", "Instance")
    assert (changes["gone"].old, changes["gone"].new) == (1, 2)  # a field removed since


def test_the_audit_page_shows_words_and_secrets_only_as_set(
    demo, client: Client, admin_user
) -> None:
    provider = Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)
    connection = provider.connections.filter(owner="customer").first()
    with audit_context(actor=admin_user, source=AuditSource.UI):
        connection.set_secrets({"api_key": "sandbox-azure-key-rotated-0002"})
        connection.timeout_seconds = 17
        connection.save()
    client.force_login(admin_user)
    html = client.get("/audit/").content.decode()
    assert "Timeout seconds" in html
    assert "Secret api_key" in html
    assert "rotated-0002" not in html
