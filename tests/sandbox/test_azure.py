from __future__ import annotations

import base64
import json
import struct
import urllib.error
import urllib.request

import openai
import pytest
from openai import AzureOpenAI, OpenAI

from sandbox import defaults

API_VERSION = defaults.AZURE_API_VERSION
INCIDENT = (
    "Summarize the following incident: The payment gateway in Frankfurt failed at 09:00 after a "
    "certificate expired. Engineers rotated the certificate and payments recovered at 09:40."
)
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_kb",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
}


@pytest.fixture
def azure(sandbox):
    return AzureOpenAI(
        azure_endpoint=sandbox.url,
        api_key=defaults.AZURE_DEFAULT_KEY,
        api_version=API_VERSION,
        max_retries=0,
    )


def test_chat_answer_is_derived_from_the_prompt(azure):
    response = azure.chat.completions.create(
        model="gpt4o-prod",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": INCIDENT},
        ],
    )
    text = response.choices[0].message.content
    assert "The payment gateway in Frankfurt failed at 09:00" in text
    assert "certificate" in text
    assert "Engineers rotated" not in text  # a summary, not an echo
    assert response.model == "gpt-4o-2024-11-20"
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage
    assert usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    again = azure.chat.completions.create(
        model="gpt4o-prod",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": INCIDENT},
        ],
    )
    assert again.choices[0].message.content == text  # deterministic


def test_azure_headers_and_filter_results(azure):
    raw = azure.chat.completions.with_raw_response.create(
        model="gpt41-mini", messages=[{"role": "user", "content": "hello"}]
    )
    assert raw.headers["apim-request-id"]
    assert raw.headers["x-request-id"]
    body = json.loads(raw.http_response.text)
    assert body["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False
    assert body["model"] == "gpt-4.1-mini-2025-04-14"


def test_max_tokens_truncates_with_length(azure):
    response = azure.chat.completions.create(
        model="gpt4o-prod", messages=[{"role": "user", "content": INCIDENT}], max_tokens=5
    )
    assert response.choices[0].finish_reason == "length"
    assert response.usage.completion_tokens <= 5


def test_json_object_and_json_schema(azure):
    response = azure.chat.completions.create(
        model="gpt4o-prod",
        messages=[{"role": "user", "content": INCIDENT}],
        response_format={"type": "json_object"},
    )
    data = json.loads(response.choices[0].message.content)
    assert "Frankfurt" in data["summary"]
    schema = {
        "type": "object",
        "properties": {
            "priority": {"type": "string", "enum": ["high", "low"]},
            "affected": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["priority", "affected", "tags"],
    }
    response = azure.chat.completions.create(
        model="gpt4o-prod",
        messages=[{"role": "user", "content": "Classify: 12 users cannot log in"}],
        response_format={"type": "json_schema", "json_schema": {"name": "t", "schema": schema}},
    )
    data = json.loads(response.choices[0].message.content)
    assert data == {"priority": "high", "affected": 12, "tags": [data["tags"][0]]}


def test_tool_call_then_tool_result(azure):
    messages = [{"role": "user", "content": "What is the weather in Paris right now?"}]
    response = azure.chat.completions.create(
        model="gpt4o-prod", messages=messages, tools=[SEARCH_TOOL, WEATHER_TOOL]
    )
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "celsius"}
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"})
    final = azure.chat.completions.create(
        model="gpt4o-prod", messages=messages, tools=[SEARCH_TOOL, WEATHER_TOOL]
    )
    assert final.choices[0].finish_reason == "stop"
    assert "18 degrees and sunny" in final.choices[0].message.content
    assert "get_weather" in final.choices[0].message.content


def test_stream_with_usage(azure):
    stream = azure.chat.completions.create(
        model="gpt4o-prod",
        messages=[{"role": "user", "content": INCIDENT}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices == []  # Azure prompt-filter chunk
    assert chunks[0].prompt_filter_results
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["stop"]
    assert chunks[-1].usage.completion_tokens > 0
    full = azure.chat.completions.create(
        model="gpt4o-prod", messages=[{"role": "user", "content": INCIDENT}]
    )
    assert text == full.choices[0].message.content


def test_stream_tool_call(azure):
    stream = azure.chat.completions.create(
        model="gpt4o-prod",
        messages=[{"role": "user", "content": "weather in Oslo?"}],
        tools=[WEATHER_TOOL],
        stream=True,
    )
    arguments = ""
    names = []
    for chunk in stream:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or []:
                if call.function.name:
                    names.append(call.function.name)
                arguments += call.function.arguments or ""
    assert names == ["get_weather"]
    assert json.loads(arguments)["city"] == "Oslo"


def test_embeddings_base64_and_floats(azure):
    response = azure.embeddings.create(model="embed-large", input=["hello", "world"])
    assert len(response.data) == 2
    vector = response.data[0].embedding
    assert len(vector) == 3072
    assert abs(sum(v * v for v in vector) - 1.0) < 1e-3
    raw = azure.embeddings.with_raw_response.create(
        model="embed-small", input="hello", encoding_format="base64"
    )
    encoded = json.loads(raw.http_response.text)["data"][0]["embedding"]
    decoded = struct.unpack("<1536f", base64.b64decode(encoded))
    again = azure.embeddings.create(model="embed-small", input="hello", encoding_format="float")
    assert again.data[0].embedding == pytest.approx(list(decoded), abs=1e-6)
    dims = azure.embeddings.create(model="embed-large", input="x", dimensions=256)
    assert len(dims.data[0].embedding) == 256


def test_v1_path_with_bearer_key(sandbox):
    client = OpenAI(
        base_url=sandbox.url + "/openai/v1/", api_key=defaults.AZURE_DEFAULT_KEY, max_retries=0
    )
    response = client.chat.completions.create(
        model="gpt41-mini", messages=[{"role": "user", "content": INCIDENT}]
    )
    assert "Frankfurt" in response.choices[0].message.content
    embedding = client.embeddings.create(model="embed-small", input="hi")
    assert len(embedding.data[0].embedding) == 1536


def test_entra_token(sandbox):
    client = AzureOpenAI(
        azure_endpoint=sandbox.url,
        azure_ad_token=defaults.AZURE_RESOURCES["contoso"]["entra_tokens"][0],
        api_version=API_VERSION,
        max_retries=0,
    )
    response = client.chat.completions.create(
        model="gpt4o-prod", messages=[{"role": "user", "content": "hello"}]
    )
    assert response.choices[0].message.content
    assert sandbox.requests[-1]["account"] == "contoso"


def test_bad_key_and_unknown_deployment(sandbox, azure):
    bad = AzureOpenAI(
        azure_endpoint=sandbox.url, api_key="sandbox-wrong", api_version=API_VERSION, max_retries=0
    )
    with pytest.raises(openai.AuthenticationError) as excinfo:
        bad.chat.completions.create(model="gpt4o-prod", messages=[{"role": "user", "content": "x"}])
    assert excinfo.value.code == "401"
    assert "invalid subscription key" in excinfo.value.message
    with pytest.raises(openai.NotFoundError) as excinfo:
        azure.chat.completions.create(model="missing", messages=[{"role": "user", "content": "x"}])
    assert excinfo.value.code == "DeploymentNotFound"
    # A deployment of another resource is unknown to this key.
    with pytest.raises(openai.NotFoundError):
        azure.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
        )
    with pytest.raises(openai.BadRequestError) as excinfo:
        azure.chat.completions.create(
            model="embed-large", messages=[{"role": "user", "content": "x"}]
        )
    assert excinfo.value.code == "OperationNotSupported"


def test_api_version_is_required(sandbox):
    request = urllib.request.Request(
        sandbox.url + "/openai/deployments/gpt4o-prod/chat/completions",
        data=json.dumps({"messages": [{"role": "user", "content": "x"}]}).encode(),
        headers={"api-key": defaults.AZURE_DEFAULT_KEY, "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=5)
    assert excinfo.value.code == 400
    error = json.loads(excinfo.value.read())["error"]
    assert error["code"] == "MissingApiVersionParameter"


def test_resource_path_prefix(sandbox):
    own = AzureOpenAI(
        azure_endpoint=sandbox.url + "/azure/contoso",
        api_key=defaults.AZURE_DEFAULT_KEY,
        api_version=API_VERSION,
        max_retries=0,
    )
    assert own.chat.completions.create(
        model="gpt4o-prod", messages=[{"role": "user", "content": "hello"}]
    ).choices
    other = AzureOpenAI(
        azure_endpoint=sandbox.url + "/azure/fabrikam",
        api_key=defaults.AZURE_DEFAULT_KEY,
        api_version=API_VERSION,
        max_retries=0,
    )
    with pytest.raises(openai.AuthenticationError):
        other.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
