"""Connections over REST: CRUD, write-only credentials, field errors, and the test action."""

from __future__ import annotations

import pytest

from providers.models import Connection

pytestmark = pytest.mark.django_db

URL = "/api/v1/connections/"
SECRET = "sk-known-secret-value-WXYZ"
NEW = {
    "name": "fabrikam-azure",
    "provider": "azure_openai",
    "endpoint": "http://127.0.0.1:8900/azure/fabrikam",
    "api_version": "2024-10-21",
    "credentials": {"api_key": SECRET},
}


def test_it_creates_a_connection_and_never_returns_its_secret(demo, client_for) -> None:
    response = client_for("admin_user").post(URL, NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert SECRET not in response.content.decode()
    assert body["credentials_set"] == ["api_key"]
    assert body["secret_hints"] == {"api_key": "••••WXYZ"}
    assert "credentials" not in body
    assert Connection.objects.get(name="fabrikam-azure").secrets == {"api_key": SECRET}


def test_it_shows_operators_secret_names_but_no_hints(demo, client_for) -> None:
    client_for("admin_user").post(URL, NEW, format="json")
    body = client_for("operator_user").get(f"{URL}fabrikam-azure/").json()
    assert body["credentials_set"] == ["api_key"]
    assert body["secret_hints"] is None


def test_it_keeps_the_secret_on_a_patch_without_credentials(demo, client_for) -> None:
    client = client_for("admin_user")
    client.post(URL, NEW, format="json")
    response = client.patch(f"{URL}fabrikam-azure/", {"description": "moved"}, format="json")
    assert response.status_code == 200, response.json()
    conn = Connection.objects.get(name="fabrikam-azure")
    assert (conn.description, conn.secrets) == ("moved", {"api_key": SECRET})


def test_it_replaces_a_secret_given_on_a_patch(demo, client_for) -> None:
    client = client_for("admin_user")
    pk = client.post(URL, NEW, format="json").json()["id"]
    new_key = "sk-rotated-secret-value-ABCD"
    response = client.patch(f"{URL}{pk}/", {"credentials": {"api_key": new_key}}, format="json")
    assert response.json()["secret_hints"] == {"api_key": "••••ABCD"}
    assert Connection.objects.get(pk=pk).secrets == {"api_key": new_key}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "https://evil.example.com"}, "endpoint"),
        ({"endpoint": "http://169.254.169.254/latest"}, "endpoint"),
        ({"credentials": {}}, "credentials"),
        ({"credentials": {"api_key": ""}}, "credentials"),
        ({"credentials": {"password": "x"}}, "credentials"),
        ({"credentials": "sk-not-an-object"}, "credentials"),
        ({"region": "us-east-1"}, "region"),
        ({"api_style": "sideways"}, "api_style"),
        ({"provider": "nope"}, "provider"),
        ({"name": "has spaces"}, "name"),
        ({"name": "contoso-azure"}, "name"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"owner": "platform", "provider": "generic_llm", "api_version": ""}, "owner"),
    ],
)
def test_it_answers_bad_input_with_a_field_error(demo, client_for, change, field) -> None:
    response = client_for("admin_user").post(URL, {**NEW, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Connection.objects.filter(name=change.get("name", NEW["name"]), pk=None).exists()


def test_it_refuses_to_change_a_connections_provider(demo, client_for) -> None:
    response = client_for("admin_user").patch(
        f"{URL}contoso-azure/", {"provider": "aws_bedrock"}, format="json"
    )
    assert response.status_code == 400
    assert Connection.objects.get(name="contoso-azure").provider.kind == "azure_openai"


def test_it_refuses_to_delete_a_mapped_connection(demo, client_for) -> None:
    response = client_for("admin_user").delete(f"{URL}contoso-azure/")
    assert response.status_code == 400
    assert "in use" in response.json()["non_field_errors"][0]
    assert Connection.objects.filter(name="contoso-azure").exists()


def test_it_deletes_an_unused_connection(demo, client_for) -> None:
    client = client_for("admin_user")
    client.post(URL, NEW, format="json")
    assert client.delete(f"{URL}fabrikam-azure/").status_code == 204
    assert not Connection.objects.filter(name="fabrikam-azure").exists()


def test_it_filters_connections_by_provider(demo, client_for) -> None:
    results = client_for("operator_user").get(URL, {"provider": "aws_bedrock"}).json()["results"]
    assert results
    assert {r["provider"] for r in results} == {"aws_bedrock"}


def test_it_diagnoses_a_connection_against_the_sandbox(live, client_for) -> None:
    response = client_for("admin_user").post(f"{URL}contoso-azure/test/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_it_diagnoses_a_refused_key(live, client_for) -> None:
    client = client_for("admin_user")
    client.patch(
        f"{URL}contoso-azure/", {"credentials": {"api_key": "sk-wrong-key-000000"}}, format="json"
    )
    diagnosis = client.post(f"{URL}contoso-azure/test/", {}, format="json").json()
    assert diagnosis["ok"] is False
    assert diagnosis["kind"] == "auth"
    history = client.get("/api/v1/health-checks/", {"connection": "contoso-azure"}).json()
    assert [h["ok"] for h in history["results"]] == [False]


def test_it_makes_a_platform_llm_connection_platform_owned(demo, client_for) -> None:
    response = client_for("platform_user").post(
        URL,
        {
            "name": "platform-llm-2",
            "provider": "now_llm",
            "endpoint": "http://127.0.0.1:8900/v1",
            "credentials": {"api_key": SECRET},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["owner"] == "platform"
