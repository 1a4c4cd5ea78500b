"""OpenAI-compatible accounts through the openai SDK: Bearer keys and custom-header keys."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from sandbox import defaults

HELLO = [{"role": "user", "content": "hello"}]


def gateway_client(sandbox, headers):
    """The SDK honours an omitted Authorization only per request, so send headers that way."""
    client = OpenAI(base_url=sandbox.url + "/v1/", api_key="unused", max_retries=0)
    return client, {"extra_headers": headers}


def test_it_accepts_the_key_from_the_accounts_own_header(sandbox):
    client, options = gateway_client(
        sandbox,
        {defaults.GATEWAY_LLM_HEADER: defaults.GATEWAY_LLM_API_KEY, "Authorization": openai.omit},
    )
    sandbox.clear_requests()
    answer = client.chat.completions.create(
        model="llama-3.3-70b-instruct", messages=HELLO, **options
    )
    assert answer.choices[0].message.content
    [seen] = [r for r in sandbox.requests if r["account"] == "gateway"]
    assert (seen["account"], seen["auth"], seen["status"]) == ("gateway", "header:x-api-key", 200)
    assert "x-api-key" in seen["headers"]
    assert "authorization" not in seen["headers"]


def test_it_refuses_a_header_accounts_key_sent_as_bearer(sandbox):
    client = OpenAI(
        base_url=sandbox.url + "/v1/", api_key=defaults.GATEWAY_LLM_API_KEY, max_retries=0
    )
    with pytest.raises(openai.AuthenticationError) as info:
        client.models.list()
    assert info.value.body["code"] == "invalid_api_key"
    assert defaults.GATEWAY_LLM_API_KEY not in str(info.value)


def test_it_refuses_a_wrong_key_in_the_custom_header(sandbox):
    client, options = gateway_client(
        sandbox,
        {defaults.GATEWAY_LLM_HEADER: "wrong-gateway-key-0000", "Authorization": openai.omit},
    )
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model="llama-3.3-70b-instruct", messages=HELLO, **options)
    assert "Incorrect API key provided: …0000" in info.value.message


def test_it_asks_for_a_key_when_none_is_sent(sandbox):
    client, options = gateway_client(sandbox, {"Authorization": openai.omit})
    with pytest.raises(openai.AuthenticationError) as info:
        client.models.list(**options)
    assert "didn't provide an API key" in info.value.message


def test_it_still_takes_bearer_keys_for_other_accounts(sandbox):
    client = OpenAI(
        base_url=sandbox.url + "/v1/", api_key=defaults.GENERIC_LLM_API_KEY, max_retries=0
    )
    sandbox.clear_requests()
    assert "bge-m3" in [m.id for m in client.models.list()]
    assert [r for r in sandbox.requests if r["account"] == "generic"][-1]["auth"] == "bearer"
