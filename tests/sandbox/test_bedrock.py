from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, InvalidEndpointConfigurationError

from sandbox import defaults

NO_RETRIES = Config(retries={"total_max_attempts": 1})
OUTAGE = (
    "Summarize: The VPN gateway in Dublin dropped all connections at noon. Users could not reach "
    "the ERP system for two hours."
)
LOOKUP_TOOL = {
    "toolSpec": {
        "name": "lookup_user",
        "description": "Find a user",
        "inputSchema": {
            "json": {
                "type": "object",
                "properties": {"email": {"type": "string"}, "limit": {"type": "integer"}},
                "required": ["email", "limit"],
            }
        },
    }
}


def make_client(
    sandbox,
    key=defaults.AWS_ACCESS_KEY_ID,
    secret=defaults.AWS_SECRET_ACCESS_KEY,
    region=defaults.AWS_REGION,
    token=None,
):
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=sandbox.url,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=NO_RETRIES,
    )


def user(text):
    return [{"role": "user", "content": [{"text": text}]}]


@pytest.fixture
def bedrock(sandbox):
    return make_client(sandbox)


def test_converse_with_inference_profile(bedrock):
    response = bedrock.converse(
        modelId="us." + defaults.BEDROCK_SONNET_45,
        messages=user(OUTAGE),
        system=[{"text": "Be brief."}],
        inferenceConfig={"maxTokens": 300},
    )
    text = response["output"]["message"]["content"][0]["text"]
    assert "The VPN gateway in Dublin dropped all connections at noon." in text
    assert "two hours" not in text
    assert response["stopReason"] == "end_turn"
    usage = response["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert response["metrics"]["latencyMs"] >= 1
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert response["ResponseMetadata"]["RequestId"]
    assert headers["x-amzn-bedrock-input-token-count"] == str(usage["inputTokens"])


def test_converse_max_tokens(bedrock):
    response = bedrock.converse(
        modelId=defaults.BEDROCK_HAIKU_45, messages=user(OUTAGE), inferenceConfig={"maxTokens": 4}
    )
    assert response["stopReason"] == "max_tokens"
    assert response["usage"]["outputTokens"] <= 4


def test_converse_tool_use_round_trip(bedrock):
    tools = {"tools": [LOOKUP_TOOL]}
    messages = user('Look up the user "ann@example.com", show 5 results')
    response = bedrock.converse(
        modelId=defaults.BEDROCK_SONNET_46, messages=messages, toolConfig=tools
    )
    assert response["stopReason"] == "tool_use"
    tool_use = response["output"]["message"]["content"][0]["toolUse"]
    assert tool_use["name"] == "lookup_user"
    assert tool_use["input"] == {"email": "ann@example.com", "limit": 5}
    messages.append(response["output"]["message"])
    messages.append(
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": tool_use["toolUseId"],
                        "content": [{"json": {"name": "Ann", "department": "Finance"}}],
                    }
                }
            ],
        }
    )
    final = bedrock.converse(
        modelId=defaults.BEDROCK_SONNET_46, messages=messages, toolConfig=tools
    )
    assert final["stopReason"] == "end_turn"
    assert "Finance" in final["output"]["message"]["content"][0]["text"]


def test_converse_stream(bedrock):
    response = bedrock.converse_stream(modelId=defaults.BEDROCK_SONNET_4, messages=user(OUTAGE))
    events = list(response["stream"])
    kinds = [next(iter(e)) for e in events]
    assert kinds[0] == "messageStart"
    assert kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    text = "".join(
        e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e
    )
    full = bedrock.converse(modelId=defaults.BEDROCK_SONNET_4, messages=user(OUTAGE))
    assert text == full["output"]["message"]["content"][0]["text"]
    assert events[-1]["metadata"]["usage"]["outputTokens"] > 0


def test_invoke_model_anthropic_body(bedrock):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": OUTAGE}],
    }
    response = bedrock.invoke_model(modelId=defaults.BEDROCK_SONNET_45, body=json.dumps(body))
    data = json.loads(response["body"].read())
    assert data["type"] == "message"
    assert data["model"] == "claude-sonnet-4-5-20250929"
    assert data["stop_reason"] == "end_turn"
    assert "Dublin" in data["content"][0]["text"]
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-bedrock-output-token-count"] == str(data["usage"]["output_tokens"])
    assert int(headers["x-amzn-bedrock-invocation-latency"]) >= 1


def test_invoke_model_tool_use(bedrock):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": "Create a ticket titled 'Printer jammed'"}],
        "tools": [
            {"name": "lookup_user", "input_schema": {"type": "object", "properties": {}}},
            {
                "name": "create_ticket",
                "input_schema": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}},
                    "required": ["title"],
                },
            },
        ],
    }
    data = json.loads(
        bedrock.invoke_model(modelId=defaults.BEDROCK_HAIKU_45, body=json.dumps(body))[
            "body"
        ].read()
    )
    assert data["stop_reason"] == "tool_use"
    assert data["content"][0]["name"] == "create_ticket"
    assert data["content"][0]["input"] == {"title": "Printer jammed"}


def test_invoke_model_validation(bedrock):
    with pytest.raises(ClientError) as excinfo:
        bedrock.invoke_model(
            modelId=defaults.BEDROCK_SONNET_4,
            body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "messages": []}),
        )
    assert excinfo.value.response["Error"]["Code"] == "ValidationException"
    assert "max_tokens" in excinfo.value.response["Error"]["Message"]


def test_invoke_model_with_response_stream(bedrock):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": OUTAGE}],
    }
    response = bedrock.invoke_model_with_response_stream(
        modelId=defaults.BEDROCK_SONNET_4, body=json.dumps(body)
    )
    events = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
    assert [e["type"] for e in events][:2] == ["message_start", "content_block_start"]
    assert events[-1]["type"] == "message_stop"
    assert events[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] > 0
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    assert "Dublin" in text


def test_count_tokens(bedrock):
    converse = bedrock.count_tokens(
        modelId=defaults.BEDROCK_SONNET_45,
        input={"converse": {"messages": user("one two three four five six seven eight nine ten")}},
    )
    assert converse["inputTokens"] == 13
    body = json.dumps(
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 10,
            "messages": [
                {"role": "user", "content": "one two three four five six seven eight nine ten"}
            ],
        }
    )
    invoke = bedrock.count_tokens(
        modelId=defaults.BEDROCK_SONNET_45, input={"invokeModel": {"body": body.encode()}}
    )
    assert invoke["inputTokens"] == 13


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "sandbox-wrong-secret"}, "InvalidSignatureException"),
        ({"key": "AKIASANDBOXUNKNOWN00"}, "UnrecognizedClientException"),
        ({"region": "eu-west-1"}, "UnrecognizedClientException"),
    ],
)
def test_authentication_errors(sandbox, kwargs, code):
    client = make_client(sandbox, **kwargs)
    with pytest.raises(ClientError) as excinfo:
        client.converse(modelId=defaults.BEDROCK_SONNET_4, messages=user("hello"))
    assert excinfo.value.response["Error"]["Code"] == code
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_other_key_allows_its_regions(sandbox):
    eu = defaults.AWS_CREDENTIALS[1]
    client = make_client(
        sandbox, key=eu["access_key_id"], secret=eu["secret_access_key"], region="eu-central-1"
    )
    response = client.converse(modelId="eu." + defaults.BEDROCK_SONNET_45, messages=user("hi"))
    assert response["stopReason"] == "end_turn"
    entry = sandbox.requests[-1]
    assert (entry["account"], entry["region"], entry["auth"]) == (
        defaults.AWS_ACCOUNT_ID,
        "eu-central-1",
        "sigv4",
    )


def test_unknown_model(bedrock):
    with pytest.raises(ClientError) as excinfo:
        bedrock.converse(modelId="anthropic.claude-unknown-v1:0", messages=user("hello"))
    error = excinfo.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "The provided model identifier is invalid."


def test_session_token_credentials(sandbox):
    creds = defaults.AWS_SESSION_CREDENTIALS
    client = make_client(
        sandbox,
        key=creds["access_key_id"],
        secret=creds["secret_access_key"],
        token=creds["session_token"],
    )
    assert client.converse(modelId=defaults.BEDROCK_SONNET_4, messages=user("hi"))["output"]
    missing = make_client(sandbox, key=creds["access_key_id"], secret=creds["secret_access_key"])
    with pytest.raises(ClientError) as excinfo:
        missing.converse(modelId=defaults.BEDROCK_SONNET_4, messages=user("hi"))
    assert excinfo.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_bedrock_api_key_over_tls(tls_sandbox, monkeypatch):
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", defaults.BEDROCK_API_KEY)
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=tls_sandbox.url,
        region_name=defaults.AWS_REGION,
        verify=tls_sandbox.ca_path,
        config=NO_RETRIES,
    )
    response = client.converse(modelId=defaults.BEDROCK_SONNET_45, messages=user(OUTAGE))
    assert "Dublin" in response["output"]["message"]["content"][0]["text"]
    assert tls_sandbox.requests[-1]["auth"] == "api_key"
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "sandbox-bedrock-api-key-wrong")
    wrong = boto3.client(
        "bedrock-runtime",
        endpoint_url=tls_sandbox.url,
        region_name=defaults.AWS_REGION,
        verify=tls_sandbox.ca_path,
        config=NO_RETRIES,
    )
    with pytest.raises(ClientError) as excinfo:
        wrong.converse(modelId=defaults.BEDROCK_SONNET_45, messages=user("hi"))
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_bedrock_api_key_refused_over_http_by_botocore(sandbox, monkeypatch):
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", defaults.BEDROCK_API_KEY)
    client = boto3.client(
        "bedrock-runtime", endpoint_url=sandbox.url, region_name="us-east-1", config=NO_RETRIES
    )
    with pytest.raises(InvalidEndpointConfigurationError, match="HTTPS"):
        client.converse(modelId=defaults.BEDROCK_SONNET_45, messages=user("hi"))
