"""Bedrock API keys (bearer, HTTPS only) against the TLS sandbox, trusted through BYOK_CA_BUNDLE."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.forms.models import model_to_dict

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, ErrorKind, Message, ProviderError
from providers.adapters.transport import ca_bundle, tls_verify
from providers.outbound.capture import fingerprint, outbound_scope
from providers.outbound.models import OutboundRequest
from providers.outbound.redaction import REDACTED
from sandbox import defaults as d
from tests.providers.conftest import make_connection

pytestmark = pytest.mark.django_db

QUESTION = ChatRequest(
    model=d.BEDROCK_SONNET_45,
    messages=(Message("user", "Summarize incident INC0311: disk full on db-7"),),
)


def api_key_connection(url: str, **fields: object):
    return make_connection(
        "aws_bedrock",
        name="bedrock-api-key",
        endpoint=url,
        region=d.AWS_REGION,
        secrets={"bedrock_api_key": d.BEDROCK_API_KEY},
        **fields,
    )


def test_it_chats_with_a_bedrock_api_key_over_tls(tls_sandbox, settings) -> None:
    settings.BYOK_CA_BUNDLE = tls_sandbox.ca_path
    settings.OUTBOUND_LOG_LEVEL = "all"
    tls_sandbox.clear_requests()
    with outbound_scope() as scope:
        result = get_adapter(api_key_connection(tls_sandbox.url)).chat(QUESTION)
    assert "INC0311" in result.text
    [seen] = tls_sandbox.requests
    assert (seen["auth"], seen["account"], seen["status"]) == ("api_key", d.AWS_ACCOUNT_ID, 200)
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert (row.scheme, row.status_code) == ("https", 200)
    assert row.account == f"api-key {fingerprint(d.BEDROCK_API_KEY)} us-east-1"
    assert row.request_headers["authorization"] == REDACTED
    assert row.provider_request_id == result.provider_request_id
    assert d.BEDROCK_API_KEY not in json.dumps(model_to_dict(row), default=str)


def test_it_streams_with_a_bedrock_api_key_over_tls(tls_sandbox, settings) -> None:
    settings.BYOK_CA_BUNDLE = tls_sandbox.ca_path
    events = list(get_adapter(api_key_connection(tls_sandbox.url)).stream(QUESTION))
    assert events[-1].result is not None
    assert "INC0311" in events[-1].result.text


def test_it_refuses_the_sandbox_certificate_without_the_ca_bundle(tls_sandbox, settings) -> None:
    settings.BYOK_CA_BUNDLE = ""
    with pytest.raises(ProviderError) as info:
        get_adapter(api_key_connection(tls_sandbox.url)).chat(QUESTION)
    assert info.value.kind == ErrorKind.TLS
    assert d.BEDROCK_API_KEY not in str(info.value)


def test_it_adds_the_extra_ca_to_the_default_trust(tls_sandbox, settings) -> None:
    settings.BYOK_CA_BUNDLE = tls_sandbox.ca_path
    with open(tls_sandbox.ca_path) as handle:
        sandbox_ca = handle.read().strip()
    with open(ca_bundle()) as handle:
        combined = handle.read()
    assert sandbox_ca in combined
    assert combined.count("BEGIN CERTIFICATE") > 10  # the public roots are still there
    assert tls_verify().cert_store_stats()["x509_ca"] > 10


def test_it_uses_the_default_trust_when_no_bundle_is_set(settings) -> None:
    settings.BYOK_CA_BUNDLE = ""
    assert ca_bundle() is True
    assert tls_verify() is True


def test_it_reports_a_missing_ca_bundle_as_a_configuration_error(tls_sandbox, settings) -> None:
    settings.BYOK_CA_BUNDLE = "/nonexistent/ca.pem"
    with pytest.raises(ProviderError) as info:
        get_adapter(api_key_connection(tls_sandbox.url)).chat(QUESTION)
    assert info.value.kind == ErrorKind.CONFIG
    assert "BYOK_CA_BUNDLE" in info.value.message


def test_the_combined_bundle_is_private_and_never_taken_as_found(
    tls_sandbox, settings, tmp_path
) -> None:
    """botocore takes one CA file, so the extra CAs are appended to its bundle in a file; that
    file lives in the console's private folder, and one altered there is written again."""
    from providers.adapters import transport

    transport._combined_bundle.cache_clear()
    settings.VAR_DIR = tmp_path
    settings.BYOK_CA_BUNDLE = tls_sandbox.ca_path
    path = ca_bundle()
    assert isinstance(path, str)
    assert path.startswith(str(tmp_path / "ca-bundles"))
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(tmp_path / "ca-bundles").st_mode & 0o777) == "0o700"
    expected = Path(path).read_bytes()
    Path(path).write_bytes(b"-----BEGIN CERTIFICATE-----\nplanted\n-----END CERTIFICATE-----\n")
    transport._combined_bundle.cache_clear()
    assert ca_bundle() == path
    assert Path(path).read_bytes() == expected
