"""Platform (OEM) connections hold the platform's keys. A tenant administrator who could
repoint one at their own endpoint would receive the platform key, so tenant roles neither see
nor change them by any door: API, configuration import, Django admin. The platform operator
(and a superuser) manage them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from console.services.config_io import ConfigDocumentError, export_document, import_document
from providers.choices import ConnectionOwner
from providers.models import Connection

pytestmark = pytest.mark.django_db

URL = "/api/v1/connections/"
EVIL = "https://attacker.openai.azure.com"


def _platform() -> Connection:
    return Connection.objects.get(name="platform-azure")


def test_tenant_roles_do_not_see_platform_connections(demo, client_for) -> None:
    for who in ("admin_user", "operator_user"):
        names = {c["name"] for c in client_for(who).get(f"{URL}?page_size=100").json()["results"]}
        assert "contoso-azure" in names
        assert not names & {"platform-azure", "platform-bedrock"}, who
        assert client_for(who).get(f"{URL}platform-azure/").status_code == 404


@pytest.mark.parametrize(
    ("method", "body"),
    [("patch", {"endpoint": EVIL}), ("patch", {"owner": "customer"}), ("delete", None)],
)
def test_a_tenant_admin_cannot_change_or_delete_one(demo, client_for, method, body) -> None:
    before = _platform()
    for key in ("platform-azure", str(before.pk)):
        response = getattr(client_for("admin_user"), method)(f"{URL}{key}/", body, format="json")
        assert response.status_code in {403, 404}, response.content
    after = _platform()
    assert (after.endpoint, after.owner, after.secret_version) == (
        before.endpoint,
        before.owner,
        before.secret_version,
    )


def test_a_tenant_admin_cannot_create_one_or_make_one_of_theirs(demo, client_for) -> None:
    client = client_for("admin_user")
    body = {
        "name": "sneaky",
        "provider": "azure_openai",
        "owner": "platform",
        "endpoint": EVIL,
        "api_version": "2024-10-21",
        "credentials": {"api_key": "k" * 32},
    }
    assert client.post(URL, body, format="json").status_code == 403
    assert not Connection.objects.filter(name="sneaky").exists()
    response = client.patch(f"{URL}contoso-azure/", {"owner": "platform"}, format="json")
    assert response.status_code == 403
    assert Connection.objects.get(name="contoso-azure").owner == ConnectionOwner.CUSTOMER


def test_the_platform_operator_and_a_superuser_manage_them(demo, client_for) -> None:
    for who, description in (("platform_user", "by the operator"), ("superuser", "by root")):
        client = client_for(who)
        names = {c["name"] for c in client.get(f"{URL}?page_size=100").json()["results"]}
        assert "platform-azure" in names
        response = client.patch(
            f"{URL}platform-azure/", {"description": description}, format="json"
        )
        assert response.status_code == 200, response.content
        assert _platform().description == description


def _doc_touching_platform() -> dict[str, Any]:
    doc = export_document()  # the system's view: platform connections included
    item = next(c for c in doc["connections"] if c["name"] == "platform-azure")
    item["endpoint"] = EVIL
    item.pop("credentials_set", None)
    return doc


def test_import_by_a_tenant_refuses_a_document_touching_them(demo, admin_user) -> None:
    before = _platform().endpoint
    with pytest.raises(ConfigDocumentError) as caught:
        import_document(copy.deepcopy(_doc_touching_platform()), actor=admin_user)
    assert any("platform operator" in e for e in caught.value.errors), caught.value.errors
    assert _platform().endpoint == before


def test_import_over_the_api_refuses_it_and_a_new_platform_connection(demo, client_for) -> None:
    doc = _doc_touching_platform()
    doc["connections"] = [c for c in doc["connections"] if c["name"] != "platform-azure"]
    doc["connections"].append(
        {
            "name": "sneaky",
            "provider": "azure_openai",
            "owner": "platform",
            "endpoint": EVIL,
            "api_version": "2024-10-21",
            "credentials": {"api_key": "k" * 32},
        }
    )
    client = client_for("admin_user")
    for query in ("?dry_run=1", ""):
        response = client.post(f"/api/v1/config/import/{query}", doc, format="json")
        assert response.status_code == 400, response.content
        assert "platform operator" in str(response.json())
    assert not Connection.objects.filter(name="sneaky").exists()


def test_a_tenant_export_leaves_them_out_and_imports_back_cleanly(demo, admin_user) -> None:
    doc = export_document(actor=admin_user)
    names = {c["name"] for c in doc["connections"]}
    assert "contoso-azure" in names
    assert "platform-azure" not in names
    for item in doc["connections"]:
        item.pop("credentials_set", None)
    assert not import_document(doc, actor=admin_user).changed


def test_the_platform_operator_imports_over_them(demo, platform_user) -> None:
    import_document(_doc_touching_platform(), actor=platform_user)
    assert _platform().endpoint == EVIL


def test_the_django_admin_hides_them_from_a_tenant_staff_user(demo, admin_user) -> None:
    admin_user.is_staff = True
    admin_user.save()
    admin_user.user_permissions.set(Permission.objects.filter(codename__endswith="connection"))
    client = Client()
    client.force_login(admin_user)
    platform = _platform()
    listing = client.get("/django-admin/providers/connection/")
    assert listing.status_code == 200
    assert "contoso-azure" in listing.content.decode()
    assert "platform-azure" not in listing.content.decode()
    change = f"/django-admin/providers/connection/{platform.pk}/change/"
    response = client.post(change, {"endpoint": EVIL, "name": platform.name})
    assert response.status_code in {302, 403, 404}
    assert _platform().endpoint == platform.endpoint


def test_the_console_lists_them_only_to_the_platform_operator(demo, admin_user, platform_user):
    for user, shown in ((admin_user, False), (platform_user, True)):
        client = Client()
        client.force_login(user)
        page = client.get("/connections/").content.decode()
        assert "contoso-azure" in page
        assert ("platform-azure" in page) is shown
        assert (EVIL.split("//")[1] in page) is False
