"""Bedrock connections with a role ARN: STS AssumeRole first, then calls signed as the role."""

from __future__ import annotations

import json
import re

import pytest
from django.forms.models import model_to_dict

from providers import services
from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, ErrorKind, Message, ProviderError
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from providers.outbound.redaction import REDACTED
from sandbox import defaults as d
from tests.providers.modes import BY_ID

pytestmark = pytest.mark.django_db

QUESTION = ChatRequest(
    model=d.BEDROCK_SONNET_45,
    messages=(Message("user", "Summarize incident INC0500: badge readers offline"),),
)


def bedrock_requests(sandbox) -> list[dict]:
    """This test's Bedrock/STS requests (a hung request of an earlier test may log late)."""
    return [r for r in sandbox.requests if r["provider"] == "aws_bedrock" and r["fault"] is None]


def test_it_signs_the_bedrock_call_with_the_assumed_role(sandbox, settings) -> None:
    settings.OUTBOUND_LOG_LEVEL = "all"
    connection = BY_ID["bedrock_converse"].connection(sandbox.url, role_arn=d.AWS_ROLE_ARN)
    sandbox.clear_requests()
    with outbound_scope() as scope:
        result = get_adapter(connection).chat(QUESTION)
    assert "INC0500" in result.text

    sts_seen, bedrock_seen = bedrock_requests(sandbox)
    assert (sts_seen["operation"], sts_seen["access_key_id"]) == (
        "sts:AssumeRole",
        d.AWS_ACCESS_KEY_ID,
    )
    assumed = bedrock_seen["access_key_id"]
    assert assumed.startswith("ASIA")
    assert (bedrock_seen["operation"], bedrock_seen["status"]) == ("Converse", 200)

    rows = OutboundRequest.objects.filter(pk__in=scope.row_ids).order_by("pk")
    token_row, call_row = rows
    assert (token_row.purpose, token_row.path, token_row.status_code) == ("token", "/", 200)
    assert "Action=AssumeRole" in token_row.request_body
    assert f"Credential={d.AWS_ACCESS_KEY_ID}/" in token_row.request_headers["authorization"]
    issued_key = re.search(r"<AccessKeyId>(ASIA\w+)</AccessKeyId>", token_row.response_body)
    assert issued_key.group(1) == assumed
    assert f"<SecretAccessKey>{REDACTED}</SecretAccessKey>" in token_row.response_body
    assert f"<SessionToken>{REDACTED}</SessionToken>" in token_row.response_body
    assert (call_row.purpose, call_row.status_code) == ("invocation", 200)
    assert f"Credential={assumed}/" in call_row.request_headers["authorization"]
    assert call_row.request_headers["x-amz-security-token"] == REDACTED
    assert call_row.account == f"{d.AWS_ACCESS_KEY_ID} us-east-1 as {d.AWS_ROLE_ARN}"

    issued = sandbox.state.aws_sessions[assumed].credential
    stored = json.dumps([model_to_dict(r) for r in rows], default=str)
    for secret in (issued.secret_access_key, issued.session_token, d.AWS_SECRET_ACCESS_KEY):
        assert secret not in stored


def test_it_reuses_the_assumed_role_until_it_nears_expiry(sandbox) -> None:
    adapter = get_adapter(
        BY_ID["bedrock_converse"].connection(sandbox.url, role_arn=d.AWS_ROLE_ARN)
    )
    sandbox.clear_requests()
    adapter.chat(QUESTION)
    adapter.chat(QUESTION)
    operations = [r["operation"] for r in bedrock_requests(sandbox)]
    assert operations == ["sts:AssumeRole", "Converse", "Converse"]


def test_it_maps_a_role_it_may_not_assume_to_permission(sandbox) -> None:
    role = f"arn:aws:iam::{d.AWS_ACCOUNT_ID}:role/not-granted"
    connection = BY_ID["bedrock_converse"].connection(sandbox.url, role_arn=role)
    sandbox.clear_requests()
    with outbound_scope() as scope, pytest.raises(ProviderError) as info:
        get_adapter(connection).chat(QUESTION)
    assert info.value.kind == ErrorKind.PERMISSION
    assert info.value.provider_code == "AccessDenied"
    assert [r["operation"] for r in bedrock_requests(sandbox)] == ["sts:AssumeRole"]
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert (row.purpose, row.status_code) == ("token", 403)


def test_it_diagnoses_a_role_it_may_not_assume(sandbox) -> None:
    role = f"arn:aws:iam::{d.AWS_ACCOUNT_ID}:role/not-granted"
    connection = BY_ID["bedrock_converse"].connection(sandbox.url, role_arn=role)
    diagnosis = services.test_connection(connection, model=d.BEDROCK_SONNET_45)
    assert (diagnosis.ok, diagnosis.kind) == (False, "permission")
    assert "not authorized to perform: sts:AssumeRole" in diagnosis.message
