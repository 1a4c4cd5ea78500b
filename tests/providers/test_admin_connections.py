"""The connection admin: provider-specific validation, write-only secrets, audited changes."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from auditlog.models import AuditEvent
from core.audit import AuditAction, AuditSource
from providers.choices import ConnectionOwner, ProviderKind
from providers.models import Connection, HealthCheck, Provider
from tests.providers.modes import BAD_SECRETS, BY_ID

API_KEY = "sk-admin-plaintext-key-aaaa1111"
NEW_API_KEY = "sk-admin-replacement-key-bbbb2222"
SERVICE_ACCOUNT = {
    "type": "service_account",
    "project_id": "contoso-ai",
    "client_email": "byok@contoso-ai.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEadminplaintextkeymaterial\n-----END PRIVATE KEY-----\n",
    # Every key file Google issues has it, and google-auth cannot mint a token without it.
    "token_uri": "https://oauth2.googleapis.com/token",
}
ADD_URL = reverse("admin:providers_connection_add")
CHANGELIST_URL = reverse("admin:providers_connection_changelist")


@pytest.fixture
def su_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def azure(db: None) -> Provider:
    return Provider.objects.create(kind=ProviderKind.AZURE_OPENAI, name="Azure OpenAI")


@pytest.fixture
def gemini(db: None) -> Provider:
    return Provider.objects.create(kind=ProviderKind.GOOGLE_GEMINI, name="Google Gemini")


def _form(provider: Provider, **values: Any) -> dict[str, Any]:
    data = {
        "provider": provider.pk,
        "name": "contoso",
        "owner": ConnectionOwner.CUSTOMER,
        "is_active": "on",
        "timeout_seconds": 60,
    }
    if provider.kind == ProviderKind.AZURE_OPENAI:
        data.update(endpoint="https://contoso.openai.azure.com", api_version="2024-10-21")
    data.update(values)
    return data


def _change_url(conn: Connection) -> str:
    return reverse("admin:providers_connection_change", args=[conn.pk])


def _raw_secrets(pk: int) -> str:
    with db.cursor() as cur:
        cur.execute("SELECT secrets FROM providers_connection WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _errors(response: Any) -> str:
    form = response.context["adminform"].form
    return json.dumps(form.errors)


def test_it_creates_a_connection_and_audits_it_as_the_admin(
    su_client: Client, azure: Provider, superuser: User
) -> None:
    response = su_client.post(ADD_URL, _form(azure, secret_api_key=API_KEY))
    assert response.status_code == 302, _errors(response)
    conn = Connection.objects.get(name="contoso")
    assert conn.secrets == {"api_key": API_KEY}
    assert conn.secret_hints == {"api_key": "••••1111"}
    event = AuditEvent.objects.get(object_type="providers.connection", object_id=str(conn.pk))
    assert (event.action, event.source, event.actor) == (
        AuditAction.CREATE,
        AuditSource.ADMIN,
        superuser,
    )
    assert event.changes["secrets.api_key"] == [None, "set"]


def test_it_keeps_the_stored_secret_when_the_input_is_blank(
    su_client: Client, azure: Provider
) -> None:
    su_client.post(ADD_URL, _form(azure, secret_api_key=API_KEY))
    conn = Connection.objects.get(name="contoso")
    version = conn.secret_version
    response = su_client.post(_change_url(conn), _form(azure, description="prod"))
    assert response.status_code == 302, _errors(response)
    conn.refresh_from_db()
    assert conn.description == "prod"
    assert conn.secrets == {"api_key": API_KEY}
    assert conn.secret_version == version
    update = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
    assert update.changes == {"description": ["", "prod"]}


def test_it_replaces_and_clears_secrets(su_client: Client, azure: Provider) -> None:
    su_client.post(ADD_URL, _form(azure, secret_api_key=API_KEY, secret_entra_token="entra-tok-9"))
    conn = Connection.objects.get(name="contoso")
    response = su_client.post(
        _change_url(conn), _form(azure, secret_api_key=NEW_API_KEY, clear_secrets=["entra_token"])
    )
    assert response.status_code == 302, _errors(response)
    conn.refresh_from_db()
    assert conn.secrets == {"api_key": NEW_API_KEY}
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE).get().changes == {
        "secrets.api_key": ["set", "changed"],
        "secrets.entra_token": ["set", None],
    }


def test_it_never_renders_a_secret(su_client: Client, azure: Provider) -> None:
    su_client.post(ADD_URL, _form(azure, secret_api_key=API_KEY))
    conn = Connection.objects.get(name="contoso")
    first_token = _raw_secrets(conn.pk)
    su_client.post(_change_url(conn), _form(azure, secret_api_key=NEW_API_KEY))
    second_token = _raw_secrets(conn.pk)
    # A refused form must not echo the secret typed into it either.
    refused = su_client.post(
        _change_url(conn),
        _form(azure, endpoint="https://evil.example.com", secret_api_key="sk-typed-not-saved-9999"),
    )
    assert refused.status_code == 200
    event = AuditEvent.objects.filter(object_type="providers.connection").first()
    pages = [
        refused,
        su_client.get(CHANGELIST_URL),
        su_client.get(_change_url(conn)),
        su_client.get(reverse("admin:providers_connection_history", args=[conn.pk])),
        su_client.get(reverse("admin:auditlog_auditevent_changelist")),
        su_client.get(reverse("admin:auditlog_auditevent_change", args=[event.pk])),
    ]
    forbidden = [API_KEY, NEW_API_KEY, "sk-typed-not-saved-9999", first_token, second_token]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        for value in forbidden:
            assert value not in html
    assert "••••2222" in pages[2].content.decode()


def test_it_refuses_an_endpoint_outside_the_provider(su_client: Client, azure: Provider) -> None:
    response = su_client.post(
        ADD_URL, _form(azure, endpoint="https://evil.example.com", secret_api_key=API_KEY)
    )
    assert response.status_code == 200
    assert "not a public host of this provider" in _errors(response)
    assert not Connection.objects.exists()
    assert not AuditEvent.objects.filter(object_type="providers.connection").exists()


def test_it_requires_credentials(su_client: Client, azure: Provider) -> None:
    response = su_client.post(ADD_URL, _form(azure))
    assert response.status_code == 200
    assert "Credentials required: api_key or entra_token" in _errors(response)
    assert not Connection.objects.exists()


def test_it_refuses_settings_and_secrets_of_another_provider(
    su_client: Client, azure: Provider
) -> None:
    response = su_client.post(
        ADD_URL, _form(azure, region="us-east-1", secret_bedrock_api_key="bedrock-key-0000")
    )
    errors = json.loads(_errors(response))
    assert errors["region"] == ["This setting does not apply to Azure OpenAI."]
    assert errors["secret_bedrock_api_key"] == ["Azure OpenAI takes no Bedrock API key."]
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "This is not valid JSON"),
        ('["a"]', "must be a JSON object"),
        ('{"client_email": "a@b.c"}', "has no private_key"),
    ],
)
def test_it_validates_the_service_account_json(
    su_client: Client, gemini: Provider, text: str, message: str
) -> None:
    data = _form(
        gemini,
        mode="vertex_ai",
        project="contoso-ai",
        location="us-central1",
        secret_service_account_json=text,
    )
    response = su_client.post(ADD_URL, data)
    assert message in _errors(response)
    assert text not in response.content.decode()
    assert not Connection.objects.exists()


def test_it_stores_a_valid_service_account_json(su_client: Client, gemini: Provider) -> None:
    data = _form(
        gemini,
        mode="vertex_ai",
        project="contoso-ai",
        location="us-central1",
        secret_service_account_json=json.dumps(SERVICE_ACCOUNT, indent=2),
    )
    response = su_client.post(ADD_URL, data)
    assert response.status_code == 302, _errors(response)
    conn = Connection.objects.get(name="contoso")
    assert json.loads(conn.secrets["service_account_json"]) == SERVICE_ACCOUNT
    page = su_client.get(_change_url(conn)).content.decode()
    assert "MIIEadminplaintextkeymaterial" not in page


def test_it_deletes_through_the_admin_and_audits_it(
    su_client: Client, azure: Provider, superuser: User
) -> None:
    su_client.post(ADD_URL, _form(azure, secret_api_key=API_KEY))
    conn = Connection.objects.get(name="contoso")
    url = reverse("admin:providers_connection_delete", args=[conn.pk])
    assert su_client.post(url, {"post": "yes"}).status_code == 302
    assert not Connection.objects.exists()
    event = AuditEvent.objects.filter(action=AuditAction.DELETE).get()
    assert (event.source, event.actor, event.object_repr) == ("admin", superuser, "contoso")


def test_it_switches_integration_mode_through_the_admin(su_client: Client, azure: Provider) -> None:
    url = reverse("admin:providers_provider_change", args=[azure.pk])
    data = {"kind": azure.kind, "name": azure.name, "integration_mode": "byok", "enabled": "on"}
    assert su_client.post(url, data).status_code == 302
    event = AuditEvent.objects.filter(object_type="providers.provider").order_by("id").last()
    assert event.action == AuditAction.SWITCH
    assert event.changes == {"integration_mode": ["oem", "byok"]}


def test_it_says_when_connection_tests_are_unavailable(
    su_client: Client, azure: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    su_client.post(ADD_URL, _form(azure, secret_api_key=API_KEY))
    conn = Connection.objects.get(name="contoso")
    monkeypatch.setitem(sys.modules, "providers.services", None)  # the service is absent
    response = su_client.post(
        CHANGELIST_URL,
        {"action": "test_connections", "_selected_action": [conn.pk]},
        follow=True,
    )
    assert "Connection tests are unavailable" in response.content.decode()


def _run_test_action(su_client: Client, conn: Connection) -> tuple[list[str], str]:
    response = su_client.post(
        CHANGELIST_URL,
        {"action": "test_connections", "_selected_action": [conn.pk]},
        follow=True,
    )
    assert response.status_code == 200
    return [m.message for m in response.context["messages"]], response.content.decode()


def test_it_tests_a_connection_from_the_admin(su_client: Client, sandbox, superuser: User) -> None:
    conn = BY_ID["azure_deployments"].connection(sandbox.url)
    messages, _ = _run_test_action(su_client, conn)
    assert messages[0].startswith(f"{conn.name}: OK — ")
    check = HealthCheck.objects.get(connection=conn)
    assert (check.kind, check.ok, check.triggered_by) == ("test", True, superuser)


def test_it_shows_the_diagnosis_of_a_failing_connection(su_client: Client, sandbox) -> None:
    bad = BAD_SECRETS["azure_deployments"]
    conn = BY_ID["azure_deployments"].connection(sandbox.url, secrets=bad)
    messages, html = _run_test_action(su_client, conn)
    assert messages[0].startswith(f"{conn.name}: auth — The credentials were refused")
    assert bad["api_key"] not in html
