"""The audit trail says that a secret was added, changed or removed, and nothing else about it:
no hint of its last characters, no length, nothing an auditor could learn the value from.

Every door that writes a connection (the model, the API, the admin, the console form, the
configuration import) is driven with secrets of several lengths; the diffs they leave must be
identical whatever the value, and the audit API and page must show none of it.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from auditlog.models import AuditEvent
from console.services.config_io import import_document
from providers.choices import ConnectionOwner, IntegrationMode, ProviderKind
from providers.models import Connection, Provider
from tests.providers.spec_cases import EXTRA_HOSTS, base_item, form_data

pytestmark = pytest.mark.django_db

# Lengths that used to show a hint (12 and more: the last four) and ones that did not.
SECRETS = ["k", "k2Zq9", "sk-short-1", "sk-audit-marker-value-0001", "Z" * 40]
ALLOWED_ENTRIES = ([None, "set"], ["set", "changed"], ["set", None])


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINT_HOSTS = EXTRA_HOSTS


@pytest.fixture
def azure(db: None) -> Provider:
    return Provider.objects.create(
        kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI", integration_mode=IntegrationMode.BYOK
    )


def _secret_entries(name: str) -> list[dict[str, Any]]:
    """The secrets part of every event of the connection `name`, oldest first."""
    events = AuditEvent.objects.filter(
        object_type="providers.connection", object_repr=name
    ).order_by("id")
    return [
        {k: v for k, v in e.changes.items() if k.startswith("secrets.")}
        for e in events
        if any(k.startswith("secrets.") for k in e.changes)
    ]


def _assert_nothing_of(secret: str, events: Any) -> None:
    dumped = json.dumps(list(events), ensure_ascii=False)
    assert "••••" not in dumped
    if len(secret) >= 4:  # a shorter value is a fragment of ordinary words ("set")
        assert secret not in dumped
        assert secret[-4:] not in dumped


def _model_door(provider: Provider, name: str, first: str, second: str) -> None:
    conn = Connection(
        provider=provider,
        name=name,
        owner=ConnectionOwner.CUSTOMER,
        endpoint="https://contoso.openai.azure.com",
        api_version="2024-10-21",
    )
    conn.set_secrets({"api_key": first})
    conn.full_clean()
    conn.save()
    conn = Connection.objects.get(pk=conn.pk)
    conn.set_secrets({"api_key": second, "entra_token": first})
    conn.save()
    conn = Connection.objects.get(pk=conn.pk)
    conn.clear_secret("entra_token")
    conn.save()


@pytest.mark.parametrize("secret", SECRETS, ids=[f"len{len(s)}" for s in SECRETS])
def test_the_model_door_records_only_the_fact(azure: Provider, secret: str) -> None:
    _model_door(azure, "contoso", secret, secret + "x")
    entries = _secret_entries("contoso")
    assert entries == [
        {"secrets.api_key": [None, "set"]},
        {"secrets.api_key": ["set", "changed"], "secrets.entra_token": [None, "set"]},
        {"secrets.entra_token": ["set", None]},
    ]
    Connection.objects.get(name="contoso").delete()
    assert _secret_entries("contoso")[-1] == {"secrets.api_key": ["set", None]}
    _assert_nothing_of(secret, AuditEvent.objects.values_list("changes", flat=True))


def test_diffs_are_the_same_whatever_the_value(azure: Provider) -> None:
    """Nothing derived from the value (length, tail, hash) can differ between two secrets."""
    for index, secret in enumerate(SECRETS):
        _model_door(azure, f"conn-{index}", secret, secret[::-1] + "y")
    shapes = {json.dumps(_secret_entries(f"conn-{i}")) for i in range(len(SECRETS))}
    assert len(shapes) == 1


def _all_entries() -> list[list[Any]]:
    return [
        value
        for changes in AuditEvent.objects.values_list("changes", flat=True)
        for key, value in changes.items()
        if key.startswith("secrets.")
    ]


@pytest.mark.parametrize("secret", SECRETS, ids=[f"len{len(s)}" for s in SECRETS])
def test_the_api_door_records_only_the_fact(client_for, admin_user, secret: str) -> None:
    Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")
    client = client_for("admin_user")
    item = base_item(ProviderKind.AZURE_OPENAI)
    item["credentials"] = {"api_key": secret}
    assert client.post("/api/v1/connections/", item, format="json").status_code == 201
    changed = {"credentials": {"api_key": secret + "-2"}}
    response = client.patch(f"/api/v1/connections/{item['name']}/", changed, format="json")
    assert response.status_code == 200, response.content
    assert _secret_entries(item["name"]) == [
        {"secrets.api_key": [None, "set"]},
        {"secrets.api_key": ["set", "changed"]},
    ]
    _assert_nothing_of(secret, AuditEvent.objects.values_list("changes", flat=True))


@pytest.mark.parametrize("secret", SECRETS, ids=[f"len{len(s)}" for s in SECRETS])
def test_the_admin_and_console_doors_record_only_the_fact(
    client: Client, superuser, azure: Provider, secret: str
) -> None:
    client.force_login(superuser)
    item = base_item(ProviderKind.AZURE_OPENAI)
    item["credentials"] = {"api_key": secret}
    data = form_data(item, azure.pk)
    response = client.post(reverse("admin:providers_connection_add"), data)
    assert response.status_code == 302
    conn = Connection.objects.get(name=item["name"])
    data["secret_api_key"] = secret + "-admin"
    response = client.post(reverse("admin:providers_connection_change", args=[conn.pk]), data)
    assert response.status_code == 302
    data["secret_api_key"] = secret + "-console"
    response = client.post(reverse("connection_edit", args=[conn.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _secret_entries(item["name"]) == [
        {"secrets.api_key": [None, "set"]},
        {"secrets.api_key": ["set", "changed"]},
        {"secrets.api_key": ["set", "changed"]},
    ]
    _assert_nothing_of(secret, AuditEvent.objects.values_list("changes", flat=True))


def test_the_import_door_records_only_the_fact(azure: Provider) -> None:
    item = base_item(ProviderKind.AZURE_OPENAI)
    item["credentials"] = {"api_key": SECRETS[3]}
    import_document({"version": 1, "connections": [item]})
    item["credentials"] = {"api_key": SECRETS[4]}
    import_document({"version": 1, "connections": [item]})
    assert _secret_entries(item["name"]) == [
        {"secrets.api_key": [None, "set"]},
        {"secrets.api_key": ["set", "changed"]},
    ]
    assert all(entry in ALLOWED_ENTRIES for entry in _all_entries())


def test_auditors_read_no_hint_in_the_api_or_on_the_page(
    azure: Provider, client_for, auditor_user
) -> None:
    secret = "sk-auditor-must-not-see-9876"
    _model_door(azure, "contoso", secret, secret + "-next")
    api = client_for("auditor_user").get("/api/v1/audit-events/", {"page_size": 500})
    assert api.status_code == 200
    page_client = Client()
    page_client.force_login(auditor_user)
    page = page_client.get(reverse("audit"))
    assert page.status_code == 200
    assert "secrets.api_key" in api.content.decode()
    assert "Secret api_key" in page.content.decode()  # the page says it in words
    for body in (api.content.decode(), page.content.decode()):
        for forbidden in ("••••", secret, secret[-4:], "9876"):
            assert forbidden not in body


def test_the_migration_forgets_hints_written_before(azure: Provider) -> None:
    """Events written by an earlier version held `••••abcd`; the data migration rewrites them."""
    migration = importlib.import_module("auditlog.migrations.0002_secret_diffs_without_hints")
    old = [
        {"name": [None, "contoso"], "secrets.api_key": [None, "••••4321"]},
        {"secrets.api_key": ["••••4321", "••••8765"], "secrets.entra_token": [None, "••••"]},
        {"secrets.api_key": ["••••8765", None], "description": ["a", "b"]},
    ]
    events = [
        AuditEvent.objects.create(
            source="api", action="update", object_type="providers.connection", changes=changes
        )
        for changes in old
    ]
    untouched = AuditEvent.objects.create(
        source="api", action="update", object_type="skills.skill", changes={"name": ["a", "b"]}
    )
    from django.apps import apps

    migration.forget_hints(apps, None)
    assert [AuditEvent.objects.get(pk=e.pk).changes for e in events] == [
        {"name": [None, "contoso"], "secrets.api_key": [None, "set"]},
        {"secrets.api_key": ["set", "changed"], "secrets.entra_token": [None, "set"]},
        {"secrets.api_key": ["set", None], "description": ["a", "b"]},
    ]
    assert AuditEvent.objects.get(pk=untouched.pk).changes == {"name": ["a", "b"]}
