"""The building blocks: answers, framing, signatures, config, certificates, runner."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography import x509

from sandbox import content, eventstream, sigv4, tls
from sandbox.config import FaultSpec, Latency, SandboxConfig


def test_answers_are_deterministic_and_not_echoes():
    prompt = content.Prompt(
        user_text="Summarize: The build broke after the upgrade. Tests now fail on Windows only."
    )
    reply = content.respond(prompt)
    assert reply.text == content.respond(prompt).text
    assert reply.text.startswith("Summary: The build broke after the upgrade.")
    assert "Windows only" not in reply.text
    short = content.respond(content.Prompt(user_text="printer offline"))
    assert short.text != "printer offline"
    assert "printer" in short.text


def test_token_counts():
    assert content.count_tokens("") == 0
    assert content.count_tokens("one") == 1
    assert content.count_tokens("one two three four five six seven eight nine ten") == 13
    text, cut = content.truncate("a b c d e f g h i j", 4)
    assert cut
    assert content.count_tokens(text) <= 4


def test_tool_choice_and_arguments():
    tools = [
        content.Tool(
            "search_kb", schema={"type": "object", "properties": {"q": {"type": "string"}}}
        ),
        content.Tool(
            "create_incident",
            schema={
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "urgency": {"type": "integer"},
                    "impact": {"type": "string", "enum": ["high", "low"]},
                    "notify": {"type": "boolean"},
                },
                "required": ["title", "urgency", "impact"],
            },
        ),
    ]
    reply = content.respond(
        content.Prompt(
            user_text='Please create an incident "Mail down" with urgency 2', tools=tools
        )
    )
    assert reply.tool_name == "create_incident"
    assert reply.tool_args == {"title": "Mail down", "urgency": 2, "impact": "high"}
    first = content.respond(content.Prompt(user_text="nothing relevant", tools=tools))
    assert first.tool_name == "search_kb"


def test_embeddings_are_unit_vectors():
    vector = content.embedding("hello", 768)
    assert len(vector) == 768
    assert sum(v * v for v in vector) == pytest.approx(1.0)
    assert vector == content.embedding("hello", 768)
    assert vector != content.embedding("hello!", 768)


def test_eventstream_round_trip():
    raw = eventstream.event("messageStart", {"role": "assistant"}) + eventstream.exception(
        "throttlingException", "slow down"
    )
    messages = eventstream.decode_messages(raw)
    assert messages[0][0][":event-type"] == "messageStart"
    assert json.loads(messages[0][1]) == {"role": "assistant"}
    assert messages[1][0][":message-type"] == "exception"
    corrupted = raw[:-1] + bytes([raw[-1] ^ 1])
    with pytest.raises(ValueError, match="CRC"):
        eventstream.decode_messages(corrupted)


def _signed(path: str, secret: str = "s3cr3t", region: str = "us-east-1"):
    request = AWSRequest(
        method="POST",
        url=f"http://127.0.0.1:8900{path}",
        data=b'{"a":1}',
        headers={"Content-Type": "application/json"},
    )
    SigV4Auth(Credentials("AKIATEST", secret), "bedrock", region).add_auth(request)
    return request


def test_sigv4_matches_botocore():
    path = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    request = _signed(path)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:8900"

    def verify(secret):
        return sigv4.verify(
            method="POST",
            raw_path=path,
            query_string="",
            headers=headers,
            body=b'{"a":1}',
            lookup=lambda key: (secret, None) if key == "AKIATEST" else None,
        )

    assert verify("s3cr3t").region == "us-east-1"
    with pytest.raises(sigv4.SigV4Error) as excinfo:
        verify("other")
    assert excinfo.value.code == "InvalidSignatureException"
    with pytest.raises(sigv4.SigV4Error) as excinfo:
        sigv4.verify(
            method="POST",
            raw_path=path,
            query_string="",
            headers=headers,
            body=b'{"a":1}',
            lookup=lambda key: ("s3cr3t", None),
            now=datetime(2000, 1, 1, tzinfo=UTC),
        )
    assert "expired" in excinfo.value.message


def test_config_round_trip(tmp_path):
    config = SandboxConfig.default()
    data = config.to_dict()
    data["faults"] = {"aws_bedrock": {"kind": "throttle", "error_rate": 0.1, "latency": 250}}
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(data))
    loaded = SandboxConfig.from_file(path)
    assert loaded.azure["contoso"].deployments["gpt4o-prod"] == "gpt-4o-2024-11-20"
    assert loaded.faults["aws_bedrock"].latency == Latency(ms=250)
    assert loaded.gcp.projects.keys() == config.gcp.projects.keys()
    with pytest.raises(ValueError, match="fault kind"):
        FaultSpec.from_dict({"kind": "nope"})
    with pytest.raises(ValueError, match="unknown provider"):
        SandboxConfig.from_dict({"faults": {"nope": {}}})


def test_tls_certificate_covers_loopback(tmp_path):
    files = tls.generate(tmp_path)
    leaf = x509.load_pem_x509_certificates(Path(files.cert_path).read_bytes())[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    ssl.create_default_context(cafile=files.ca_path)  # loads as a trust anchor


def test_module_runner_starts_without_django(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "."}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"(http://\S+)", line).group(1)
        deadline = time.time() + 10
        while True:
            try:
                with urllib.request.urlopen(url + "/_sandbox/health", timeout=2) as response:
                    assert json.loads(response.read())["status"] == "ok"
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
