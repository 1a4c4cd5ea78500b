"""Connections over REST: a value that would become part of a host or URL path is checked
against its provider's grammar and refused with a 400 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from providers.models import Connection
from tests.providers.spec_cases import BAD, EXTRA_HOSTS, GOOD, with_value

pytestmark = pytest.mark.django_db

URL = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


@pytest.mark.parametrize(("kind", "name", "value", "fragment"), BAD)
def test_it_refuses_a_value_outside_the_providers_grammar(
    demo, client_for, kind: str, name: str, value: str, fragment: str
) -> None:
    item = with_value(kind, name, value)
    response = client_for("admin_user").post(URL, item, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [name], body
    assert fragment in body[name][0]
    assert not Connection.objects.filter(name=item["name"]).exists()


@pytest.mark.parametrize(("kind", "name", "value"), GOOD)
def test_it_accepts_a_value_of_the_providers_grammar(
    demo, client_for, kind: str, name: str, value: str
) -> None:
    response = client_for("admin_user").post(URL, with_value(kind, name, value), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()[name] == value


def test_it_checks_the_grammar_on_a_patch_too(demo, client_for) -> None:
    response = client_for("admin_user").patch(
        f"{URL}contoso-bedrock/", {"region": "us-east-1.evil.example"}, format="json"
    )
    assert response.status_code == 400
    assert "AWS Region" in response.json()["region"][0]
    assert Connection.objects.get(name="contoso-bedrock").region == "us-east-1"


def test_it_reports_grammar_and_credential_errors_together(demo, client_for) -> None:
    item = with_value("aws_bedrock", "region", "us-east")
    item["credentials"]["secret_access_key"] = ""
    body = client_for("admin_user").post(URL, item, format="json").json()
    assert set(body) == {"region", "credentials"}
