from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db

from core import crypto
from providers.choices import ConnectionOwner, ProviderKind
from providers.models import Connection, Provider

SECRET = "sk-very-secret-value-1234"


@pytest.fixture
def azure(db: None) -> Provider:
    return Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")


def _raw_secrets(pk: int) -> str:
    with db.cursor() as cur:
        cur.execute("SELECT secrets FROM providers_connection WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _make(provider: Provider) -> Connection:
    conn = Connection(
        provider=provider,
        name="contoso",
        owner=ConnectionOwner.CUSTOMER,
        endpoint="https://contoso.openai.azure.com",
    )
    conn.set_secrets({"api_key": SECRET})
    conn.save()
    return conn


def test_it_stores_only_ciphertext(azure: Provider) -> None:
    conn = _make(azure)
    raw = _raw_secrets(conn.pk)
    assert raw.startswith(crypto.TOKEN_PREFIX)
    assert SECRET not in raw
    assert "api_key" not in raw
    assert Connection.objects.get(pk=conn.pk).secrets == {"api_key": SECRET}


def test_it_keeps_a_masked_hint(azure: Provider) -> None:
    conn = _make(azure)
    assert conn.secret_hints == {"api_key": "••••1234"}


def test_it_raises_on_a_wrong_key_instead_of_returning_ciphertext(azure, settings) -> None:
    conn = _make(azure)
    settings.BYOK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    loaded = Connection.objects.get(pk=conn.pk)  # listing still works
    assert loaded.name == "contoso"
    with pytest.raises(crypto.SecretDecryptionError) as exc:
        _ = loaded.secrets
    assert SECRET not in str(exc.value)


def test_it_decrypts_with_an_older_key(azure, settings) -> None:
    old = settings.BYOK_ENCRYPTION_KEYS[0]
    conn = _make(azure)
    settings.BYOK_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert Connection.objects.get(pk=conn.pk).secrets["api_key"] == SECRET


def test_it_bumps_the_secret_version_only_on_change(azure: Provider) -> None:
    conn = _make(azure)
    version = conn.secret_version
    conn.set_secrets({"api_key": SECRET})
    assert conn.secret_version == version
    conn.set_secrets({"api_key": SECRET + "x"})
    assert conn.secret_version == version + 1


def test_mask_hides_short_secrets_entirely() -> None:
    assert crypto.mask("abc") == "••••"
    assert crypto.mask("") == ""


def test_it_keeps_the_stored_token_when_the_secrets_did_not_change(azure: Provider) -> None:
    conn = _make(azure)
    before = _raw_secrets(conn.pk)
    loaded = Connection.objects.get(pk=conn.pk)
    loaded.full_clean()  # reads (decrypts) every field
    loaded.description = "edited"
    loaded.save()
    assert _raw_secrets(conn.pk) == before
    loaded.set_secrets({"api_key": "sk-another-secret-9999"})
    loaded.save()
    after = _raw_secrets(conn.pk)
    assert after != before
    assert Connection.objects.get(pk=conn.pk).secrets == {"api_key": "sk-another-secret-9999"}
