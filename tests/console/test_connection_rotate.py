"""Rotating a connection's secrets, the sandbox's demo credentials in development, and the
last connection test on the list — the real SDKs against the provider sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from providers.adapters import clear_cache
from providers.models import Connection, HealthCheck, OutboundRequest
from sandbox import defaults
from sandbox.demo import seed_demo
from sandbox.server import SandboxServer

pytestmark = pytest.mark.django_db

OLD_KEY = defaults.AZURE_DEFAULT_KEY
NEW_KEY = defaults.AZURE_RESOURCES["contoso"]["api_keys"][1]
WRONG_KEY = "sandbox-azure-key-nobody-9999"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def demo(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    clear_cache()
    seed_demo(sandbox.url)
    yield sandbox
    clear_cache()


@pytest.fixture
def admin(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def _azure() -> Connection:
    return Connection.objects.get(name="contoso-azure")


def _rotate(client: Client, conn: Connection, **data: str) -> Any:
    return client.post(f"/connections/{conn.pk}/rotate/", data)


def _audit_text() -> str:
    return json.dumps(list(AuditEvent.objects.values("changes", "object_repr")))


def test_it_rotates_a_secret_that_passes_the_test(demo: Any, admin: Client) -> None:
    conn = _azure()
    version = conn.secret_version
    response = _rotate(admin, conn, api_key=NEW_KEY)
    assert response.status_code == 302
    conn.refresh_from_db()
    assert conn.secrets["api_key"] == NEW_KEY
    assert conn.secret_version == version + 1
    check = HealthCheck.objects.filter(connection=conn, kind="test").latest("checked_at")
    assert check.ok
    assert OutboundRequest.objects.filter(connection_id=conn.pk, purpose="connection_test").exists()
    event = AuditEvent.objects.filter(object_repr="contoso-azure").latest("created_at")
    assert event.changes == {"secrets.api_key": ["set", "changed"]}
    assert NEW_KEY not in _audit_text()
    assert OLD_KEY not in _audit_text()


def test_it_keeps_the_old_secret_when_the_new_one_fails(demo: Any, admin: Client) -> None:
    conn = _azure()
    events = AuditEvent.objects.count()
    response = _rotate(admin, conn, api_key=WRONG_KEY)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Test failed" in html
    assert "was not saved" in html
    assert WRONG_KEY not in html
    assert OLD_KEY not in html
    conn.refresh_from_db()
    assert conn.secrets["api_key"] == OLD_KEY
    assert not HealthCheck.objects.filter(connection=conn, kind="test").latest("checked_at").ok
    assert AuditEvent.objects.count() == events
    # The connection still works with the old key (no candidate client left in the cache).
    assert "Connection works" in admin.post(f"/connections/{conn.pk}/test/").content.decode()


def test_it_saves_a_failing_secret_once_confirmed(demo: Any, admin: Client) -> None:
    conn = _azure()
    response = _rotate(admin, conn, api_key=WRONG_KEY, confirm="on")
    assert response.status_code == 302
    conn.refresh_from_db()
    assert conn.secrets["api_key"] == WRONG_KEY
    assert WRONG_KEY not in _audit_text()
    assert WRONG_KEY not in admin.get("/connections/").content.decode()


def test_it_refuses_an_empty_rotation(demo: Any, admin: Client) -> None:
    conn = _azure()
    response = _rotate(admin, conn, api_key="")
    assert response.status_code == 400
    assert "at least one new secret" in response.content.decode()


def test_it_never_prefills_or_shows_a_secret_on_the_form(demo: Any, admin: Client) -> None:
    html = admin.get(f"/connections/{_azure().pk}/rotate/").content.decode()
    assert 'name="api_key"' in html
    assert "Stored: ••••" in html
    assert OLD_KEY not in html


@pytest.mark.parametrize("who", ["operator_user", "auditor_user", "steward_user"])
def test_it_lets_only_configuring_roles_rotate(
    demo: Any, client: Client, request: pytest.FixtureRequest, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    conn = _azure()
    assert client.get(f"/connections/{conn.pk}/rotate/").status_code == 403
    assert _rotate(client, conn, api_key=NEW_KEY).status_code == 403
    conn.refresh_from_db()
    assert conn.secrets["api_key"] == OLD_KEY


def test_it_refuses_to_rotate_a_platform_connection(demo: Any, admin: Client) -> None:
    platform = Connection.objects.get(name="platform-azure")
    assert _rotate(admin, platform, api_key=NEW_KEY).status_code == 404


def test_it_lists_the_last_connection_test_with_its_time(demo: Any, admin: Client) -> None:
    conn = _azure()
    html = admin.get("/connections/").content.decode()
    assert "never tested" in html
    admin.post(f"/connections/{conn.pk}/test/")
    html = admin.get("/connections/").content.decode()
    row = html.split(f'id="connection-{conn.pk}"')[1].split("</tr>")[0]
    assert "last test" in row
    assert "passed" in row
    assert "<time datetime=" in row


# -- the sandbox's demo credentials --------------------------------------------------------------


def test_it_shows_the_sandbox_credentials_in_development(
    demo: SandboxServer, admin: Client, settings: Any
) -> None:
    settings.DEBUG = True
    settings.BYOK_SANDBOX_URL = demo.url
    html = admin.get(f"/connections/{_azure().pk}/").content.decode()
    assert "Sandbox demo credentials" in html
    assert OLD_KEY in html
    assert NEW_KEY in html
    assert defaults.AZURE_PLATFORM_KEY not in html  # the operator's keys, even fake, stay his
    bedrock = Connection.objects.get(name="contoso-bedrock")
    assert (
        defaults.AWS_SECRET_ACCESS_KEY in admin.get(f"/connections/{bedrock.pk}/").content.decode()
    )


def test_it_hides_the_sandbox_credentials_without_debug(
    demo: SandboxServer, admin: Client, settings: Any
) -> None:
    settings.DEBUG = False
    settings.BYOK_SANDBOX_URL = demo.url
    html = admin.get(f"/connections/{_azure().pk}/").content.decode()
    assert "Sandbox demo credentials" not in html
    assert OLD_KEY not in html


@pytest.mark.parametrize(
    "endpoint", ["https://contoso.openai.azure.com", "http://127.0.0.1:1", "https://127.0.0.1"]
)
def test_it_never_shows_them_for_another_endpoint(
    demo: SandboxServer, admin: Client, settings: Any, endpoint: str
) -> None:
    settings.DEBUG = True
    settings.BYOK_SANDBOX_URL = demo.url
    Connection.objects.filter(name="contoso-azure").update(endpoint=endpoint)
    html = admin.get(f"/connections/{_azure().pk}/").content.decode()
    assert "Sandbox demo credentials" not in html
    assert OLD_KEY not in html


def test_it_shows_nothing_without_a_configured_sandbox(
    demo: SandboxServer, admin: Client, settings: Any
) -> None:
    settings.DEBUG = True
    settings.BYOK_SANDBOX_URL = ""
    html = admin.get(f"/connections/{_azure().pk}/").content.decode()
    assert "Sandbox demo credentials" not in html


def test_it_refuses_a_malformed_access_key_id_without_saving(demo: Any, admin: Client) -> None:
    conn = Connection.objects.get(name="contoso-bedrock")
    response = _rotate(
        admin, conn, access_key_id="A" * 200, secret_access_key="sandbox-aws-secret-x" * 2
    )
    assert response.status_code == 400
    conn.refresh_from_db()
    assert conn.access_key_id == defaults.AWS_ACCESS_KEY_ID


def test_it_rotates_a_key_pair_with_its_new_access_key_id(demo: Any, admin: Client) -> None:
    conn = Connection.objects.get(name="contoso-bedrock")
    eu = defaults.AWS_CREDENTIALS[1]  # the same account's key for eu regions
    conn.region = "eu-central-1"
    conn.save()
    response = _rotate(
        admin,
        conn,
        access_key_id=eu["access_key_id"],
        secret_access_key=eu["secret_access_key"],
    )
    assert response.status_code == 302
    conn.refresh_from_db()
    assert conn.access_key_id == eu["access_key_id"]
    assert conn.secrets["secret_access_key"] == eu["secret_access_key"]


@pytest.mark.parametrize("value", ["%00", "9" * 5000, "%ED%A0%80", "{}"])
def test_it_answers_malformed_values_without_a_server_error(
    demo: Any, admin: Client, value: str
) -> None:
    conn = Connection.objects.get(name="contoso-gemini")
    body = f"service_account_json={value}&api_key={value}&confirm={value}"
    admin.raise_request_exception = False
    response = admin.post(
        f"/connections/{conn.pk}/rotate/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500
