"""`rotate_keys`: every secret re-encrypted under the new first key, with one audit event."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db

from auditlog.models import AuditEvent
from core import crypto
from core.audit import AuditAction
from core.keys import rotate_all
from providers.choices import ConnectionOwner, ProviderKind
from providers.models import Connection, Provider

SECRETS = {
    "contoso": "sk-rotate-contoso-plaintext-0001",
    "fabrikam": "sk-rotate-fabrikam-plaintext-0002",
}


@pytest.fixture
def old_key(settings) -> str:
    return settings.BYOK_ENCRYPTION_KEYS[0]


@pytest.fixture
def connections(db: None) -> list[Connection]:
    azure = Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    made = []
    for name, secret in SECRETS.items():
        conn = Connection(
            provider=azure,
            name=name,
            owner=ConnectionOwner.CUSTOMER,
            endpoint=f"https://{name}.openai.azure.com",
        )
        conn.set_secrets({"api_key": secret})
        conn.save()
        made.append(conn)
    # A connection without secrets has nothing to rotate.
    Connection.objects.create(provider=azure, name="empty", endpoint="https://e.openai.azure.com")
    return made


def _raw(pk: int) -> str:
    with db.cursor() as cur:
        cur.execute("SELECT secrets FROM providers_connection WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _rotate() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_keys", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_re_encrypts_every_secret_under_the_new_first_key(
    connections: list[Connection], settings, old_key: str
) -> None:
    before = {c.pk: _raw(c.pk) for c in connections}
    new_key = Fernet.generate_key().decode()
    settings.BYOK_ENCRYPTION_KEYS = [new_key, old_key]
    audit_before = AuditEvent.objects.count()

    out, _ = _rotate()

    assert out.strip() == "Rotated 2, already current 0, failed 0."
    settings.BYOK_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    for conn in connections:
        raw = _raw(conn.pk)
        assert raw != before[conn.pk]
        assert raw.startswith(crypto.TOKEN_PREFIX)
        assert SECRETS[conn.name] not in raw
        assert crypto.encrypted_with_primary(raw)
        assert Connection.objects.get(pk=conn.pk).secrets == {"api_key": SECRETS[conn.name]}
    [event] = AuditEvent.objects.all()[: AuditEvent.objects.count() - audit_before]
    assert event.action == AuditAction.ROTATE
    assert event.source == "cli"
    assert event.changes == {"rotated": 2, "already_current": 0, "failed": []}


def test_it_counts_secrets_already_under_the_first_key(
    connections: list[Connection], settings, old_key: str
) -> None:
    settings.BYOK_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    rotate_all()
    tokens = {c.pk: _raw(c.pk) for c in connections}
    report = rotate_all()
    assert (report.rotated, report.already_current, report.failed) == (0, 2, [])
    assert {c.pk: _raw(c.pk) for c in connections} == tokens


def test_it_fails_naming_the_connection_it_cannot_decrypt(
    connections: list[Connection], settings, old_key: str
) -> None:
    lost_key = Fernet.generate_key().decode()
    settings.BYOK_ENCRYPTION_KEYS = [lost_key]
    orphan = Connection.objects.get(name="fabrikam")
    orphan.set_secrets({"api_key": "sk-orphaned-secret-value-9999"}, replace=True)
    orphan.save()  # encrypted with a key that is about to be lost
    orphan_token = _raw(orphan.pk)
    new_key = Fernet.generate_key().decode()
    settings.BYOK_ENCRYPTION_KEYS = [new_key, old_key]

    with pytest.raises(CommandError) as exc:
        _rotate()

    message = str(exc.value)
    assert "connection fabrikam" in message
    assert "sk-orphaned-secret-value-9999" not in message
    assert orphan_token not in message
    assert _raw(orphan.pk) == orphan_token  # left untouched
    contoso = Connection.objects.get(name="contoso")
    assert crypto.encrypted_with_primary(_raw(contoso.pk))  # the others were still rotated
    event = AuditEvent.objects.filter(action=AuditAction.ROTATE).get()
    assert event.changes["failed"] == ["connection fabrikam"]


def test_it_refuses_a_malformed_key_list(connections: list[Connection], settings) -> None:
    settings.BYOK_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(CommandError, match="not a Fernet key"):
        _rotate()
