"""The audit trail: one event per configuration change, with a field diff that hides secrets."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection as db
from django.utils import timezone

from auditlog.models import AuditEvent
from auditlog.services import record_event
from core.audit import AuditAction, AuditSource, audit_context
from providers.choices import ConnectionOwner, HealthStatus, IntegrationMode, ProviderKind
from providers.models import Connection, HealthCheck, Provider
from providers.outbound.models import OutboundRequest
from skills.choices import SkillCapability, SkillGroup
from skills.models import Skill, SkillVariant

SECRET = "sk-audit-plaintext-secret-4321"
NEW_SECRET = "sk-audit-rotated-secret-8765"


@pytest.fixture
def azure(db: None) -> Provider:
    return Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")


def _connection(provider: Provider, **extra: object) -> Connection:
    conn = Connection(
        provider=provider,
        name="contoso",
        owner=ConnectionOwner.CUSTOMER,
        endpoint="https://contoso.openai.azure.com",
        api_version="2024-10-21",
        **extra,
    )
    conn.set_secrets({"api_key": SECRET})
    conn.save()
    return conn


def _raw_secrets(pk: int) -> str:
    with db.cursor() as cur:
        cur.execute("SELECT secrets FROM providers_connection WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _events(obj: object) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


def test_it_records_a_create_with_actor_and_source(azure: Provider, superuser: User) -> None:
    with audit_context(actor=superuser, source=AuditSource.CLI):
        conn = _connection(azure)
    [event] = _events(conn)
    assert event.action == AuditAction.CREATE
    assert event.source == AuditSource.CLI
    assert event.actor == superuser
    assert event.actor_label == "root_super"
    assert event.object_repr == "contoso"
    assert event.changes["endpoint"] == [None, "https://contoso.openai.azure.com"]
    assert event.changes["provider"] == [None, azure.pk]
    assert event.changes["secrets.api_key"] == [None, "set"]


def test_it_records_an_update_as_a_field_diff(azure: Provider) -> None:
    conn = _connection(azure)
    with audit_context(source=AuditSource.CLI):
        conn.api_version = "2025-01-01"
        conn.description = "prod"
        conn.save()
    event = _events(conn)[-1]
    assert event.action == AuditAction.UPDATE
    assert event.source == AuditSource.CLI
    assert event.changes == {
        "api_version": ["2024-10-21", "2025-01-01"],
        "description": ["", "prod"],
    }


def test_it_records_nothing_for_a_no_op_save(azure: Provider) -> None:
    conn = _connection(azure)
    skill = Skill.objects.create(
        key="s", name="S", group=SkillGroup.ITSM, capability=SkillCapability.SUMMARIZE
    )
    variant = SkillVariant.objects.create(skill=skill, template="{{ x }}", temperature=0.2)
    before = AuditEvent.objects.count()
    Connection.objects.get(pk=conn.pk).save()
    conn.save()
    SkillVariant.objects.get(pk=variant.pk).save()  # Decimal 0.20 from the DB vs 0.2 in memory
    variant.save()
    assert AuditEvent.objects.count() == before


def test_it_skips_bookkeeping_saves(azure: Provider) -> None:
    conn = _connection(azure)
    before = AuditEvent.objects.count()
    conn.health_status = HealthStatus.DOWN
    conn.consecutive_failures = 3
    conn.last_checked_at = timezone.now()
    conn.save(update_fields=["health_status", "consecutive_failures", "last_checked_at"])
    assert AuditEvent.objects.count() == before
    assert Connection.objects.get(pk=conn.pk).health_status == HealthStatus.DOWN


def test_it_records_a_delete_with_the_last_state(azure: Provider) -> None:
    conn = _connection(azure)
    pk = conn.pk
    conn.delete()
    event = (
        AuditEvent.objects.filter(object_type="providers.connection", object_id=str(pk))
        .order_by("id")
        .last()
    )
    assert event.action == AuditAction.DELETE
    assert event.changes["name"] == ["contoso", None]
    assert event.changes["secrets.api_key"] == ["set", None]


def test_it_records_an_integration_switch(azure: Provider) -> None:
    azure.integration_mode = IntegrationMode.BYOK
    azure.save()
    event = _events(azure)[-1]
    assert event.action == AuditAction.SWITCH
    assert event.changes == {"integration_mode": ["oem", "byok"]}


def test_it_hides_secrets_in_every_diff(azure: Provider) -> None:
    conn = _connection(azure)
    first_token = _raw_secrets(conn.pk)
    conn = Connection.objects.get(pk=conn.pk)
    conn.set_secrets({"api_key": NEW_SECRET, "entra_token": "entra-plain-token-0000"})
    conn.save()
    second_token = _raw_secrets(conn.pk)
    conn.delete()
    dumped = json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)))
    for forbidden in (SECRET, NEW_SECRET, "entra-plain-token-0000", first_token, second_token):
        assert forbidden not in dumped
    update = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert update.changes == {
        "secrets.api_key": ["set", "changed"],
        "secrets.entra_token": [None, "set"],
    }


def test_it_reports_a_replaced_secret_even_when_its_last_four_match(azure: Provider) -> None:
    conn = _connection(azure)
    conn = Connection.objects.get(pk=conn.pk)
    conn.set_secrets({"api_key": "sk-other-value-xxxx-4321"})
    conn.save()
    assert _events(conn)[-1].changes == {"secrets.api_key": ["set", "changed"]}


def test_it_audits_skill_models_with_json_safe_values(db: None) -> None:
    skill = Skill.objects.create(
        key="incident_summarization",
        name="Incident summarization",
        group=SkillGroup.ITSM,
        capability=SkillCapability.SUMMARIZE,
    )
    variant = SkillVariant.objects.create(skill=skill, template="Summarize {{ x }}")
    variant.temperature = Decimal("0.7")
    variant.save()
    assert _events(skill)[0].action == AuditAction.CREATE
    assert _events(variant)[-1].changes == {"temperature": ["0.20", "0.70"]}


def test_it_does_not_audit_logs(azure: Provider) -> None:
    conn = _connection(azure)
    before = AuditEvent.objects.count()
    HealthCheck.objects.create(connection=conn, ok=True)
    OutboundRequest.objects.create(
        created_at=timezone.now(), purpose="health_check", method="GET", host="h", path="/"
    )
    assert AuditEvent.objects.count() == before


def test_record_event_takes_actor_and_source_from_the_context(superuser: User) -> None:
    with audit_context(actor=superuser, source=AuditSource.CLI):
        event = record_event(
            action=AuditAction.ROTATE, object_type="providers.connection", changes={"n": 1}
        )
    assert (event.actor, event.source, event.changes) == (superuser, "cli", {"n": 1})
