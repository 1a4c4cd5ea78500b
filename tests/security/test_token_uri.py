"""A Vertex AI service-account key names its own token endpoint (`token_uri`), which the
console POSTs a signed assertion to: it passes the one endpoint-safety check when the key is
saved, by every door, and again when a client is built, so no key can make the server send a
request to cloud metadata or an internal service."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from console.services.config_io import ConfigDocumentError, import_document
from providers import grammar
from providers.adapters.base import ErrorKind
from providers.models import Connection
from providers.outbound.models import OutboundRequest
from providers.services import test_connection as run_connection_test
from sandbox import defaults as d
from tests.providers.conftest import make_connection
from tests.providers.spec_cases import EXTRA_HOSTS, SERVICE_ACCOUNT, with_value

pytestmark = pytest.mark.django_db

# Not an allowed extra host (the tests allow 127.0.0.1 only); nothing listens on port 9.
LOOPBACK_TOKEN_URI = "http://127.0.0.2:9/token"
REFUSED = [
    LOOPBACK_TOKEN_URI,
    "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token",
    "https://metadata.google.internal/token",
    "https://10.0.0.5/token",
    "http://oauth2.googleapis.com/token",
    "https://oauth2.googleapis.com.evil.example/token",
    "https://user:pw@oauth2.googleapis.com/token",
]


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


def _key(token_uri: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SERVICE_ACCOUNT), "token_uri": token_uri}


@pytest.mark.parametrize("token_uri", REFUSED)
def test_it_refuses_a_token_uri_off_googles_token_host(token_uri: str) -> None:
    with pytest.raises(grammar.SettingError, match="token_uri is not allowed"):
        grammar.service_account(_key(token_uri))


@pytest.mark.parametrize("token_uri", [["https://oauth2.googleapis.com/token"], 7])
def test_it_refuses_a_token_uri_that_is_not_text(token_uri: Any) -> None:
    with pytest.raises(grammar.SettingError, match="token_uri"):
        grammar.service_account(_key(token_uri))


@pytest.mark.parametrize(
    "token_uri", ["https://oauth2.googleapis.com/token", "http://127.0.0.1:8900/token"]
)
def test_it_accepts_googles_token_host_and_an_allowed_extra_host(token_uri: str) -> None:
    assert grammar.service_account(_key(token_uri))["token_uri"] == token_uri


def test_the_api_refuses_the_key_and_writes_nothing(demo, client_for) -> None:
    item = with_value("google_gemini", "service_account_json", _key(REFUSED[1]))
    response = client_for("admin_user").post("/api/v1/connections/", item, format="json")
    assert response.status_code == 400
    assert "token_uri" in json.dumps(response.json())
    assert not Connection.objects.filter(name=item["name"]).exists()


def test_import_refuses_the_key_with_its_path(demo) -> None:
    item = with_value("google_gemini", "service_account_json", _key(REFUSED[2]))
    with pytest.raises(ConfigDocumentError) as caught:
        import_document({"version": 1, "connections": [item]})
    assert any(
        e.startswith("connections[0].credentials.service_account_json") and "token_uri" in e
        for e in caught.value.errors
    ), caught.value.errors
    assert not Connection.objects.filter(name=item["name"]).exists()


def test_a_stored_key_is_checked_again_before_any_request(sandbox) -> None:
    """A row written before the check existed (or past it) never reaches its token_uri.

    The refused address is on loopback (an internal address all the same), so that even a
    regression of the check sends nothing beyond this machine.
    """
    info = {**d.service_account_info(sandbox.url), "token_uri": LOOPBACK_TOKEN_URI}
    connection = make_connection(
        "google_gemini",
        endpoint=sandbox.url,
        mode="vertex_ai",
        project=d.GCP_PROJECT,
        location=d.GCP_LOCATION,
        secrets={"service_account_json": json.dumps(d.service_account_info(sandbox.url))},
    )
    connection.set_secrets({"service_account_json": json.dumps(info)})
    connection.save()  # bypassing validation, as an older row would have
    sandbox.clear_requests()

    diagnosis = run_connection_test(connection)

    assert not diagnosis.ok
    assert diagnosis.kind == ErrorKind.CONFIG
    assert "token_uri is not allowed" in diagnosis.message
    assert sandbox.requests == []
    assert not OutboundRequest.objects.filter(host__startswith="127.0.0.2").exists()
