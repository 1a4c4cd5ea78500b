"""A real webhook receiver on loopback, and the channels and rules the alert tests share."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from monitoring.models import AlertRule, Channel
from tests.providers.conftest import _fresh_adapters, sandbox

__all__ = ["_fresh_adapters", "sandbox"]


class Receiver:
    """What the webhook server received, and the status it answers with."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            receiver.bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(receiver.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The path is the webhook's secret part, as in a Slack URL.
    receiver.url = f"http://127.0.0.1:{server.server_port}/services/T000/B000/s3cr3t-hook-token"
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook_channel(webhook: Receiver, db: None) -> Channel:
    channel = Channel(name="ops-room", kind="webhook")
    channel.set_webhook_url(webhook.url)
    channel.full_clean()
    channel.save()
    return channel


@pytest.fixture
def mail_channel(db: None) -> Channel:
    return Channel.objects.create(name="oncall", kind="email", email_to="oncall@example.com")


def rule(kind: str, *channels: Channel, **fields: Any) -> AlertRule:
    made = AlertRule(name=fields.pop("name", kind), kind=kind, **fields)
    made.full_clean()
    made.save()
    made.channels.set(channels)
    return made
