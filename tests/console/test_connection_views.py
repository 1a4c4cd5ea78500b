"""The console's connection form: fields and sections from the provider specs, the providers'
grammar as field errors, and write-only secrets."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from console.services.catalog import seed_catalog
from providers.models import Connection, Provider
from providers.specs import SPECS
from tests.providers.spec_cases import BAD, EXTRA_HOSTS, GOOD, base_item, form_data, with_value

pytestmark = pytest.mark.django_db

NEW = "/connections/new/"
# The console edits customer connections only; the platform's own LLM is not among them.
CUSTOMER_BAD = [case for case in BAD if SPECS[case[0]].byok]


@pytest.fixture
def admin_client(client: Client, admin_user: Any, settings: Any) -> Client:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS
    seed_catalog()
    client.force_login(admin_user)
    return client


def _post(client: Client, item: dict[str, Any]) -> Any:
    data = form_data(item, Provider.objects.get(kind=item["provider"]).pk)
    data.pop("owner")
    return client.post(NEW, data)


def test_it_shows_each_providers_settings_in_its_own_section(admin_client: Client) -> None:
    html = admin_client.get(NEW).content.decode()
    for legend in ("Azure OpenAI", "Anthropic Claude on Amazon Bedrock", "Google Gemini"):
        assert f"<legend>{legend}</legend>" in html
    assert "Credentials (write-only)" in html
    assert "Keys and Endpoint" in html  # where to find the Azure endpoint and key
    assert 'name="secret_service_account_json"' in html


def test_it_creates_a_customer_connection(admin_client: Client) -> None:
    response = _post(admin_client, base_item("aws_bedrock"))
    assert response.status_code == 302
    conn = Connection.objects.get(name="case-aws-bedrock")
    assert (conn.owner, conn.region, conn.access_key_id) == (
        "customer",
        "us-east-1",
        "AKIAEXAMPLE0001",
    )


@pytest.mark.parametrize(("kind", "name", "value", "fragment"), CUSTOMER_BAD)
def test_it_shows_a_grammar_error_on_its_field(
    admin_client: Client, kind: str, name: str, value: str, fragment: str
) -> None:
    item = with_value(kind, name, value)
    response = _post(admin_client, item)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [name], errors.as_json()
    assert fragment in errors[name][0]
    assert not Connection.objects.filter(name=item["name"]).exists()


@pytest.mark.parametrize(("kind", "name", "value"), [g for g in GOOD if SPECS[g[0]].byok])
def test_it_saves_a_value_of_the_providers_grammar(
    admin_client: Client, kind: str, name: str, value: str
) -> None:
    item = with_value(kind, name, value)
    assert _post(admin_client, item).status_code == 302
    assert getattr(Connection.objects.get(name=item["name"]), name) == value


def test_it_never_echoes_a_secret_of_a_refused_form(admin_client: Client) -> None:
    item = with_value("azure_openai", "api_version", "2024-13-01")
    item["credentials"]["api_key"] = "sk-typed-not-saved-0000"
    response = _post(admin_client, item)
    assert response.status_code == 400
    assert "sk-typed-not-saved-0000" not in response.content.decode()


def test_the_list_shows_when_each_connection_was_last_checked_and_what_it_said(
    admin_client: Client,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    provider = Provider.objects.get(kind="azure_openai")
    checked = Connection.objects.create(
        provider=provider,
        name="azure-checked",
        owner="customer",
        endpoint="https://contoso.openai.azure.com",
        health_status="down",
        last_checked_at=timezone.now() - timedelta(minutes=3),
        last_check_message="Authentication failed: the key was refused (HTTP 401)",
    )
    Connection.objects.create(
        provider=provider, name="azure-new", owner="customer", endpoint=checked.endpoint
    )
    html = admin_client.get("/connections/").content.decode()
    row = html[html.index(f'id="connection-{checked.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "3\xa0minutes ago" in row
    assert "the key was refused (HTTP 401)" in row
    assert "not checked yet" in html
