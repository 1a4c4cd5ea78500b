"""STS AssumeRole on the sandbox through boto3: temporary credentials Bedrock then accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sandbox import defaults

NO_RETRIES = Config(retries={"total_max_attempts": 1})
HELLO = [{"role": "user", "content": [{"text": "hello"}]}]


def client(sandbox, service, key=defaults.AWS_ACCESS_KEY_ID, secret=None, token=None):
    return boto3.client(
        service,
        endpoint_url=sandbox.url,
        region_name=defaults.AWS_REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret or defaults.AWS_SECRET_ACCESS_KEY,
        aws_session_token=token,
        config=NO_RETRIES,
    )


def assume(sandbox, **kwargs):
    kwargs.setdefault("RoleArn", defaults.AWS_ROLE_ARN)
    kwargs.setdefault("RoleSessionName", "sandbox-test")
    return client(sandbox, "sts").assume_role(**kwargs)


def test_it_issues_temporary_credentials_for_an_allowed_role(sandbox):
    answer = assume(sandbox, DurationSeconds=900)
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert len(creds["SecretAccessKey"]) == 40
    assert creds["SessionToken"]
    expected = datetime.now(UTC) + timedelta(seconds=900)
    assert abs((creds["Expiration"] - expected).total_seconds()) < 5
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{defaults.AWS_ACCOUNT_ID}:assumed-role/byok-bedrock-invoke/sandbox-test"
    )
    assert answer["ResponseMetadata"]["RequestId"]


def test_it_lets_bedrock_accept_the_assumed_credentials(sandbox):
    creds = assume(sandbox)["Credentials"]
    bedrock = client(
        sandbox,
        "bedrock-runtime",
        key=creds["AccessKeyId"],
        secret=creds["SecretAccessKey"],
        token=creds["SessionToken"],
    )
    sandbox.clear_requests()
    answer = bedrock.converse(modelId=defaults.BEDROCK_SONNET_45, messages=HELLO)
    assert answer["output"]["message"]["content"][0]["text"]
    [seen] = [r for r in sandbox.requests if r["operation"] == "Converse"]
    assert seen["access_key_id"] == creds["AccessKeyId"]
    assert (seen["account"], seen["auth"], seen["status"]) == (
        defaults.AWS_ACCOUNT_ID,
        "sigv4",
        200,
    )


def test_it_refuses_assumed_credentials_without_their_session_token(sandbox):
    creds = assume(sandbox)["Credentials"]
    bedrock = client(
        sandbox, "bedrock-runtime", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"]
    )
    with pytest.raises(ClientError) as info:
        bedrock.converse(modelId=defaults.BEDROCK_SONNET_45, messages=HELLO)
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_it_refuses_assumed_credentials_once_expired(sandbox):
    creds = assume(sandbox)["Credentials"]
    sandbox.state.aws_sessions[creds["AccessKeyId"]].expires_at = 0
    bedrock = client(
        sandbox,
        "bedrock-runtime",
        key=creds["AccessKeyId"],
        secret=creds["SecretAccessKey"],
        token=creds["SessionToken"],
    )
    with pytest.raises(ClientError) as info:
        bedrock.converse(modelId=defaults.BEDROCK_SONNET_45, messages=HELLO)
    assert info.value.response["Error"]["Code"] == "ExpiredTokenException"


def test_it_denies_a_role_the_key_may_not_assume(sandbox):
    role = f"arn:aws:iam::{defaults.AWS_ACCOUNT_ID}:role/someone-elses-role"
    with pytest.raises(ClientError) as info:
        assume(sandbox, RoleArn=role)
    error = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Code"] == "AccessDenied"
    assert f"sts:AssumeRole on resource: {role}" in error["Message"]


def test_it_only_allows_the_roles_configured_for_the_source_key(sandbox):
    eu = defaults.AWS_CREDENTIALS[1]
    sts = client(sandbox, "sts", key=eu["access_key_id"], secret=eu["secret_access_key"])
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=defaults.AWS_ROLE_ARN, RoleSessionName="eu")
    assert info.value.response["Error"]["Code"] == "AccessDenied"


def test_it_checks_the_signature_with_the_sts_service_scope(sandbox):
    sts = client(sandbox, "sts", secret="wrong-secret-0000000000000000000000000000")
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=defaults.AWS_ROLE_ARN, RoleSessionName="bad")
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    unknown = client(sandbox, "sts", key="AKIAUNKNOWNKEY000000")
    with pytest.raises(ClientError) as info:
        unknown.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_it_validates_the_duration(sandbox):
    unchecked = boto3.client(
        "sts",
        endpoint_url=sandbox.url,
        region_name=defaults.AWS_REGION,
        aws_access_key_id=defaults.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=defaults.AWS_SECRET_ACCESS_KEY,
        config=NO_RETRIES.merge(Config(parameter_validation=False)),
    )
    with pytest.raises(ClientError) as info:
        unchecked.assume_role(
            RoleArn=defaults.AWS_ROLE_ARN, RoleSessionName="short", DurationSeconds=60
        )
    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert "greater than or equal to 900" in info.value.response["Error"]["Message"]


def test_it_tells_who_is_calling(sandbox):
    creds = assume(sandbox, RoleSessionName="whoami")["Credentials"]
    identity = client(
        sandbox,
        "sts",
        key=creds["AccessKeyId"],
        secret=creds["SecretAccessKey"],
        token=creds["SessionToken"],
    ).get_caller_identity()
    assert identity["Account"] == defaults.AWS_ACCOUNT_ID
    assert identity["Arn"].endswith(":assumed-role/byok-bedrock-invoke/whoami")
