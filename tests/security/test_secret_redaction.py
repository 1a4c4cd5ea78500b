"""A connection's secret never reaches a stored or shown text, whatever its length: not the
outbound record (headers, URL query, path, bodies, error), not an error message, not a
connection-test diagnosis or health-check row.

Short secrets (under `SUBSTRING_MIN` characters) are removed where they stand as a whole
word and left inside longer words, so a one-character secret does not erase that letter from
every record; the tests hold both halves of that rule.

The end-to-end cases drive the real SDKs against a loopback server that does what careless
providers do: it quotes the key it was sent back in its error message and a header.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from providers.choices import ProviderKind
from providers.models import HealthCheck
from providers.outbound import capture
from providers.outbound.capture import Target
from providers.outbound.models import OutboundRequest
from providers.outbound.redaction import REDACTED, SUBSTRING_MIN, Redactor, secret_values
from providers.services import test_connection as run_connection_test
from tests.providers.conftest import make_connection

pytestmark = pytest.mark.django_db

LENGTHS = list(range(1, 41))
CUSTOM_HEADER = "X-Custom-Key"


def marker(length: int) -> str:
    """A secret of `length` characters that no record would hold by chance."""
    return ("Zq7" * 14)[:length]


def exposed(secret: str, text: str) -> bool:
    """Does `text` still show `secret` as the rule says it must not (module docstring)?"""
    if len(secret) >= SUBSTRING_MIN:
        return secret in text
    return re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", text) is not None


def _row_text(row: OutboundRequest) -> str:
    return json.dumps(
        {
            "path": row.path,
            "query": row.query,
            "error": row.error,
            "account": row.account,
            "request_headers": row.request_headers,
            "response_headers": row.response_headers,
            "request_body": row.request_body,
            "response_body": row.response_body,
        }
    )


@pytest.fixture
def all_levels(settings: Any) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    settings.BYOK_ALLOWED_ENDPOINT_HOSTS = ["127.0.0.1"]


# -- the outbound record, written directly ------------------------------------------------------


@pytest.mark.parametrize("length", LENGTHS)
def test_the_outbound_record_holds_no_secret_of_any_length(all_levels: None, length: int) -> None:
    secret = marker(length)
    target = Target(
        provider_id=None,
        connection_id=None,
        route="byok",
        account="gemini-api",
        redactor=Redactor(secret_values({"api_key": secret})),
    )
    url = (
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        f"?key={secret}&alt=sse&label={secret}"
    )
    error = f"Client error '400 Bad Request' for url '{url}': the key {secret} is not valid."
    sent = capture.begin(
        target,
        method="POST",
        url=url,
        request_headers=[
            ("x-goog-api-key", secret),
            (CUSTOM_HEADER, secret),
            ("Authorization", f"Bearer {secret}"),
            ("x-trace", f"caller={secret}"),
        ],
        request_body=json.dumps({"contents": [{"parts": [{"text": secret}]}]}).encode(),
    )
    capture.complete(
        sent,
        status=400,
        latency_ms=3,
        response_headers=[("x-echo-key", secret), ("content-type", "application/json")],
        response_body=json.dumps({"error": {"message": f"API key not valid: {secret}."}}).encode(),
        error=error,
    )
    pk = sent.row.pk
    row = OutboundRequest.objects.get(pk=pk)
    assert not exposed(secret, _row_text(row)), _row_text(row)
    assert row.request_headers["x-goog-api-key"] == REDACTED
    assert row.request_headers[CUSTOM_HEADER.lower()] == REDACTED
    assert row.request_headers["authorization"] == REDACTED
    assert row.request_headers["x-trace"] == f"caller={REDACTED}"
    assert row.response_headers["x-echo-key"] == REDACTED
    assert row.query == f"key={REDACTED}&alt=sse&label={REDACTED}"
    assert f"the key {REDACTED} is not valid" in row.error
    assert "key=" + secret not in row.error
    assert f"API key not valid: {REDACTED}." in row.response_body


@pytest.mark.parametrize("length", range(1, SUBSTRING_MIN))
def test_a_short_secret_does_not_erase_that_text_from_everything(length: int) -> None:
    """`Zq7` is removed where it is a word of its own, and left inside `Zq7ebra`."""
    secret = marker(length)
    redactor = Redactor(secret_values({"api_key": secret}))
    text = f"{secret}ebra and x{secret} and {secret}_1 stay; {secret} and '{secret}' go"
    assert redactor.text(text) == (
        f"{secret}ebra and x{secret} and {secret}_1 stay; {REDACTED} and '{REDACTED}' go"
    )


def test_a_secret_of_only_punctuation_is_caught_where_it_is_sent() -> None:
    redactor = Redactor(secret_values({"api_key": " ", "other": "::"}))
    assert redactor.headers([("X-Key", " "), ("X-Other", "::"), ("X-Plain", "a b")]) == {
        "x-key": REDACTED,
        "x-other": REDACTED,
        "x-plain": "a b",
    }
    assert redactor.query("a=%3A%3A&b=1") == f"a={REDACTED}&b=1"


def test_every_form_a_secret_is_sent_in_is_removed() -> None:
    """As typed, escaped in a JSON string, percent-encoded in a URL."""
    secret = 'k"y/+ x'
    redactor = Redactor(secret_values({"api_key": secret}))
    for form in (secret, json.dumps(secret)[1:-1], "k%22y%2F%2B%20x", "k%22y%2F%2B+x"):
        assert redactor.text(f"<{form}>") == f"<{REDACTED}>", form


def test_a_service_account_s_private_parts_are_removed_from_any_text() -> None:
    key = {"private_key_id": "a1", "private_key": "pk", "client_email": "sa@p.iam.example"}
    redactor = Redactor(secret_values({"service_account_json": json.dumps(key)}))
    assert redactor.text("id a1, key pk, by sa@p.iam.example") == (
        f"id {REDACTED}, key {REDACTED}, by sa@p.iam.example"
    )


def test_a_key_fingerprint_is_keyed_so_a_short_key_cannot_be_guessed_from_it(
    settings: Any,
) -> None:
    """A plain hash of `k` is found by hashing candidates; a keyed one needs SECRET_KEY."""
    import hashlib

    first = capture.fingerprint("k")
    assert hashlib.sha256(b"k").hexdigest()[:12] not in first
    assert capture.fingerprint("k") == first
    settings.SECRET_KEY = "another-deployment-secret-key-value-0123456789"
    assert capture.fingerprint("k") != first


# -- end to end: the real SDKs against a provider that quotes the key back ----------------------


class _EchoHandler(BaseHTTPRequestHandler):
    """Answers every request 401 and quotes the key it was sent, as some providers do."""

    def _key(self) -> str:
        for name in ("x-goog-api-key", CUSTOM_HEADER):
            if self.headers.get(name):
                return self.headers[name]
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        return parse_qs(urlsplit(self.path).query).get("key", [""])[0]

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        key = self._key()
        body = json.dumps(
            {
                "error": {
                    "code": 401,
                    "message": f"Incorrect API key provided: {key}. Check the key {key}.",
                    "status": "UNAUTHENTICATED",
                    "type": "invalid_request_error",
                }
            }
        ).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("x-echo-key", key)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


CONNECTIONS = {
    "generic-custom-header": lambda url, key: make_connection(
        ProviderKind.GENERIC_LLM,
        endpoint=url + "/v1",
        header_name=CUSTOM_HEADER,
        secrets={"api_key": key},
    ),
    "generic-bearer": lambda url, key: make_connection(
        ProviderKind.GENERIC_LLM, endpoint=url + "/v1", secrets={"api_key": key}
    ),
    "gemini-api-key": lambda url, key: make_connection(
        ProviderKind.GOOGLE_GEMINI, endpoint=url, mode="gemini_api", secrets={"api_key": key}
    ),
}


@pytest.mark.parametrize("kind", list(CONNECTIONS))
@pytest.mark.parametrize("length", LENGTHS)
def test_no_secret_survives_a_real_call_s_record_error_or_diagnosis(
    all_levels: None, echo_url: str, kind: str, length: int
) -> None:
    secret = marker(length)
    connection = CONNECTIONS[kind](echo_url, secret)

    diagnosis = run_connection_test(connection)

    assert not diagnosis.ok
    assert REDACTED in diagnosis.message, diagnosis.message
    assert not exposed(secret, diagnosis.message), diagnosis.message
    check = HealthCheck.objects.get(connection=connection)
    assert not exposed(secret, check.message), check.message
    rows = list(OutboundRequest.objects.filter(connection=connection))
    assert rows
    for row in rows:
        text = _row_text(row)
        assert not exposed(secret, text), text
        assert row.response_headers["x-echo-key"] == REDACTED
        assert f"Incorrect API key provided: {REDACTED}." in row.response_body
