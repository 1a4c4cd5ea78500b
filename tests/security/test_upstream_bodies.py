"""An endpoint or a key's token_uri that is not the provider (an internal page, a metadata
service, a hostile gateway) must not have its answer echoed back: diagnoses, errors and
health-check history carry a bounded, sanitised excerpt at most, never the raw body."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from providers.adapters.common import EXCERPT_LIMIT
from providers.models import HealthCheck
from providers.services import run_health_check
from providers.services import test_connection as run_connection_test
from sandbox import defaults as d
from tests.providers.conftest import make_connection
from tests.providers.spec_cases import EXTRA_HOSTS

pytestmark = pytest.mark.django_db

TAIL = "INTERNAL-ONLY-TAIL"
BODY = (
    "<html><head><script>steal()</script></head><body>"
    + "instance-id: i-0123456789 \x1b[31m\x00 " * 200
    + TAIL
    + "</body></html>"
)


class _Hostile(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        data = BODY.encode()
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[str]:
    """A loopback server answering every request with a large HTML page."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = EXTRA_HOSTS


def _assert_excerpt_only(text: str) -> None:
    assert TAIL not in text
    assert "<" not in text
    assert "script" not in text.lower()
    assert "\x1b" not in text
    assert "\x00" not in text
    assert len(text) < EXCERPT_LIMIT + 300  # the excerpt plus our own advice


def test_an_endpoint_answering_a_page_is_not_echoed(hostile) -> None:
    connection = make_connection(
        "generic_llm", endpoint=f"{hostile}/v1", secrets={"api_key": "sk-hostile"}
    )
    diagnosis = run_connection_test(connection)
    assert not diagnosis.ok
    _assert_excerpt_only(diagnosis.message)
    check = run_health_check(connection)
    _assert_excerpt_only(check.message)
    for stored in HealthCheck.objects.filter(connection=connection):
        _assert_excerpt_only(stored.message)


def test_a_token_endpoint_answering_a_page_is_not_echoed(hostile, sandbox) -> None:
    info = {**d.service_account_info(sandbox.url), "token_uri": f"{hostile}/token"}
    connection = make_connection(
        "google_gemini",
        endpoint=sandbox.url,
        mode="vertex_ai",
        project=d.GCP_PROJECT,
        location=d.GCP_LOCATION,
        secrets={"service_account_json": json.dumps(info)},
    )
    diagnosis = run_connection_test(connection)
    assert not diagnosis.ok
    _assert_excerpt_only(diagnosis.message)
    _assert_excerpt_only(run_health_check(connection).message)
