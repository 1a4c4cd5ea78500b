"""Classes of holes published against LLM gateways, replayed against this console.

- A caller-supplied or nested base URL that receives the key (CVE-2024-6587, PYSEC-2026-4070):
  no request field can redirect a call; the connection's stored endpoint is the only target.
- SQL built from request data (CVE-2026-42208): the one raw statement (the run claim) binds
  every value; hostile ids and filters are answered with 4xx and change nothing.
- Template injection through prompts (CVE-2026-42203): input is substituted as text and never
  evaluated.
- A user changing their own role or scope (CVE-2026-47102): no door writes users or groups
  except the Django admin for superusers.
- Access decisions from the Host header (CVE-2026-49468): an unknown Host is refused and
  forwarded-host headers are not trusted.
- A Gemini key carried in a URL ending up in an error or a log line.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import get_resolver

from providers.models import Connection
from providers.outbound.models import OutboundRequest
from providers.services import test_connection as run_connection_test
from skills.models import Invocation
from skills.services import lifecycle
from skills.services.invocations import run_invocation

pytestmark = pytest.mark.django_db

RUN = {
    "skill": "incident_summarization",
    "input": {"short_description": "Email down", "description": "Outlook cannot connect."},
}


class _Trap(BaseHTTPRequestHandler):
    hits: list[str] = []

    def _answer(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def trap() -> Iterator[tuple[str, list[str]]]:
    """A loopback server that records every request it is sent (none should be)."""
    hits: list[str] = []
    handler = type("Trap", (_Trap,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _redirect_fields(url: str) -> dict[str, Any]:
    return {
        "api_base": url,
        "base_url": url,
        "endpoint": url,
        "api_key": "sk-attacker",
        "litellm_params": {"api_base": url, "api_key": "sk-attacker"},
        "metadata": {"headers": {"Host": "127.0.0.1"}, "api_base": url},
        "extra_body": {"api_base": url},
    }


def test_no_request_field_redirects_a_run(live, client_for, trap) -> None:
    url, hits = trap
    body = {**RUN, **_redirect_fields(url)}
    response = client_for("operator_user").post("/api/v1/invocations/", body, format="json")
    assert response.status_code in {202, 400}, response.content
    if response.status_code == 202:  # extra fields ignored: the run uses its connection
        invocation = run_invocation(response.json()["id"])
        assert invocation is not None
        assert invocation.status == "succeeded", invocation.error_message
        hosts = set(invocation.outbound_requests.values_list("host", flat=True))
        assert hosts
        assert all(url.split("//")[1] not in h for h in hosts)
    assert hits == []


def test_input_cannot_carry_a_base_url(live, client_for, trap) -> None:
    url, hits = trap
    body = {**RUN, "input": {**RUN["input"], **_redirect_fields(url)}}
    response = client_for("operator_user").post("/api/v1/invocations/", body, format="json")
    assert response.status_code == 400
    assert hits == []


def test_a_connection_test_cannot_be_pointed_elsewhere(live, client_for, trap) -> None:
    url, hits = trap
    response = client_for("admin_user").post(
        "/api/v1/connections/contoso-generic/test/", _redirect_fields(url), format="json"
    )
    assert response.status_code in {200, 400}, response.content
    assert hits == []
    assert Connection.objects.get(name="contoso-generic").endpoint != url


HOSTILE = [
    "1' OR '1'='1",
    "1; DROP TABLE skills_invocation; --",
    "' UNION SELECT password FROM auth_user --",
    "00000000-0000-0000-0000-000000000001' OR 1=1 --",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_and_filters_are_inert(demo, client_for, value) -> None:
    existing = Invocation.objects.count()
    client = client_for("admin_user")
    assert lifecycle.claim(Invocation, value) is None
    for path in (
        f"/api/v1/invocations/{value}/",
        f"/api/v1/connections/{value}/",
        f"/api/v1/audit-events/{value}/",
    ):
        assert client.get(path).status_code in {400, 404}, path
    for path in ("/api/v1/invocations/", "/api/v1/outbound-requests/", "/api/v1/audit-events/"):
        for name in ("skill", "status", "connection", "host", "cursor", "ordering"):
            assert client.get(path, {name: value}).status_code < 500, (path, name)
    assert Invocation.objects.count() == existing


def test_the_claim_binds_every_value(demo) -> None:
    """The claim's SQL is built once per model from metadata; no value is pasted in."""
    from django.db import connection

    sql = lifecycle._claim_sql(Invocation, connection.alias)
    assert "%s" in sql
    for value in ("'queued'", "'running'", str(uuid.UUID(int=1))):
        assert value not in sql


def test_prompt_input_is_never_evaluated(live, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    payload = (
        "{{ settings.SECRET_KEY }} {% debug %} {{ record.__class__ }} ${7*7} #{7*7} "
        "{{ short_description }}"
    )
    from skills.services.invocations import create_invocation

    created = create_invocation(
        "incident_summarization", {"short_description": "Email down", "description": payload}
    )
    invocation = run_invocation(created.pk)
    assert invocation is not None
    assert invocation.status == "succeeded", invocation.error_message
    assert payload in invocation.rendered_prompt
    assert django_settings.SECRET_KEY not in invocation.rendered_prompt
    sent = " ".join(r.request_body or "" for r in invocation.outbound_requests.all())
    assert json.dumps(payload)[1:-1] in sent or payload in sent
    assert django_settings.SECRET_KEY not in sent


def test_no_door_writes_users_or_roles_but_the_superusers_admin(demo, admin_user) -> None:
    routes = [str(p.pattern) for p in get_resolver().url_patterns]
    api = [str(p.pattern) for p in get_resolver("config.api_urls").url_patterns]
    assert not [r for r in routes + api if any(w in r for w in ("user", "group", "role"))]
    admin_user.is_staff = True  # even a tenant admin given staff status
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    for path in (
        f"/django-admin/auth/user/{admin_user.pk}/change/",
        "/django-admin/auth/group/",
    ):
        assert client.get(path).status_code in {302, 403}, path
    response = client.post(
        f"/django-admin/auth/user/{admin_user.pk}/change/",
        {"username": admin_user.username, "is_superuser": "on", "groups": []},
    )
    assert response.status_code in {302, 403}
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser


def test_an_import_cannot_carry_users_or_roles(demo, client_for) -> None:
    doc = {"version": 1, "users": [{"username": "alice_admin", "roles": ["byok_admin"]}]}
    response = client_for("admin_user").post("/api/v1/config/import/", doc, format="json")
    assert response.status_code == 400


def test_the_host_header_decides_nothing(demo, admin_user) -> None:
    client = Client()
    client.force_login(admin_user)
    assert client.get("/connections/", HTTP_HOST="evil.example").status_code == 400
    forwarded = client.get("/connections/", HTTP_X_FORWARDED_HOST="evil.example")
    assert forwarded.status_code == 200
    assert b"evil.example" not in forwarded.content


def test_a_gemini_key_in_a_failing_url_reaches_no_error_or_log(sandbox, caplog) -> None:
    """The Gemini API takes its key in a header here, but an error quoting a URL with `key=`
    (as the REST docs show it) must not carry it either."""
    from tests.providers.conftest import make_connection

    key = "AIzaSyMarkerKey0123456789abcdefghijklm"
    connection = make_connection(
        "google_gemini",
        endpoint="http://127.0.0.1:9",  # nothing listens: the call fails
        mode="gemini_api",
        secrets={"api_key": key},
    )
    with caplog.at_level(logging.DEBUG):
        diagnosis = run_connection_test(connection)
    assert not diagnosis.ok
    assert key not in diagnosis.message
    assert key not in caplog.text
    for row in OutboundRequest.objects.filter(connection_id=connection.pk):
        assert key not in json.dumps(
            [row.url if hasattr(row, "url") else "", row.path, row.error, row.request_headers],
            default=str,
        )
