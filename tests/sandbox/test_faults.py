"""Each fault kind, observed through the real SDKs' exceptions."""

from __future__ import annotations

import json
import time
import urllib.request

import boto3
import botocore.exceptions
import httpx2
import openai
import pytest
from botocore.config import Config
from google import genai
from google.genai import errors, types
from openai import AzureOpenAI

from sandbox import content, defaults

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
def azure(sandbox):
    return AzureOpenAI(
        azure_endpoint=sandbox.url,
        api_key=defaults.AZURE_DEFAULT_KEY,
        api_version=defaults.AZURE_API_VERSION,
        max_retries=0,
        timeout=0.5,
    )


@pytest.fixture
def bedrock(sandbox):
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=sandbox.url,
        region_name="us-east-1",
        aws_access_key_id=defaults.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=defaults.AWS_SECRET_ACCESS_KEY,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=0.5),
    )


@pytest.fixture
def gemini(sandbox):
    return genai.Client(
        api_key=defaults.GEMINI_API_KEY,
        http_options=types.HttpOptions(base_url=sandbox.url, api_version="v1beta", timeout=500),
    )


def converse(client):
    return client.converse(
        modelId=defaults.BEDROCK_SONNET_4, messages=[{"role": "user", "content": [{"text": "hi"}]}]
    )


def test_azure_throttle_has_retry_hints(sandbox, azure):
    sandbox.set_faults("azure_openai", kind="throttle", fail_next=1, retry_after_s=6)
    with pytest.raises(openai.RateLimitError) as excinfo:
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    assert excinfo.value.status_code == 429
    assert excinfo.value.code == "429"
    assert excinfo.value.response.headers["retry-after"] == "6"
    assert excinfo.value.response.headers["retry-after-ms"] == "6000"
    # fail_next=1: the next request succeeds again.
    assert azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES).choices


def test_azure_server_error_reset_malformed_hang(sandbox, azure):
    sandbox.set_faults("azure_openai", kind="server_error", fail_next=1)
    with pytest.raises(openai.InternalServerError):
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    sandbox.set_faults("azure_openai", kind="reset", fail_next=1)
    with pytest.raises(openai.APIConnectionError):
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    sandbox.set_faults("azure_openai", kind="malformed", fail_next=1)
    with pytest.raises((json.JSONDecodeError, openai.APIResponseValidationError)):
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    sandbox.set_faults("azure_openai", kind="hang", fail_next=1, hang_s=1.5)
    with pytest.raises(openai.APITimeoutError):
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    # The hung request is logged once the server gives up on it, after the others.
    faults = [e["fault"] for e in sandbox.requests if e["provider"] == "azure_openai"][-3:]
    assert faults == ["server_error", "reset", "malformed"]


def test_bedrock_faults(sandbox, bedrock):
    sandbox.set_faults("aws_bedrock", kind="throttle", fail_next=1, retry_after_s=3)
    with pytest.raises(bedrock.exceptions.ThrottlingException) as excinfo:
        converse(bedrock)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "3"
    sandbox.set_faults("aws_bedrock", kind="server_error", fail_next=1)
    with pytest.raises(bedrock.exceptions.InternalServerException):
        converse(bedrock)
    sandbox.set_faults("aws_bedrock", kind="reset", fail_next=1)
    with pytest.raises(botocore.exceptions.HTTPClientError):
        converse(bedrock)
    sandbox.set_faults("aws_bedrock", kind="malformed", fail_next=1)
    # botocore tolerates an unparsable JSON body: the required fields are simply missing.
    assert "output" not in converse(bedrock)
    sandbox.set_faults("aws_bedrock", kind="hang", fail_next=1, hang_s=1.5)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        converse(bedrock)
    assert converse(bedrock)["stopReason"] == "end_turn"


def test_gemini_faults(sandbox, gemini):
    sandbox.set_faults("google_gemini", kind="throttle", fail_next=1, retry_after_s=41)
    with pytest.raises(errors.ClientError) as excinfo:
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert excinfo.value.code == 429
    assert excinfo.value.status == "RESOURCE_EXHAUSTED"
    details = excinfo.value.details["error"]["details"]
    retry = [d for d in details if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"]
    assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "41s"}]
    sandbox.set_faults("google_gemini", kind="server_error", fail_next=1)
    with pytest.raises(errors.ServerError) as excinfo:
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert excinfo.value.status == "UNAVAILABLE"
    sandbox.set_faults("google_gemini", kind="reset", fail_next=1)
    with pytest.raises(httpx2.TransportError):
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    sandbox.set_faults("google_gemini", kind="hang", fail_next=1, hang_s=1.5)
    with pytest.raises(httpx2.TimeoutException):
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    sandbox.set_faults("google_gemini", kind="malformed", fail_next=1)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the SDK surfaces a JSON decode error
        gemini.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert gemini.models.generate_content(model="gemini-2.5-flash", contents="hi").text


def _pattern(sandbox, azure):
    sandbox.set_faults("azure_openai", kind="server_error", error_rate=0.5, seed=7)
    outcome = []
    for _ in range(20):
        try:
            azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
            outcome.append(True)
        except openai.InternalServerError:
            outcome.append(False)
    return outcome


def test_error_rate_is_seeded(sandbox, azure):
    first = _pattern(sandbox, azure)
    assert 3 < first.count(False) < 17
    assert _pattern(sandbox, azure) == first


def test_latency_fixed_and_distributions(sandbox, azure):
    sandbox.set_faults("azure_openai", latency={"ms": 200})
    started = time.perf_counter()
    azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    assert time.perf_counter() - started >= 0.2
    sandbox.set_faults(
        "azure_openai", latency={"distribution": "uniform", "min_ms": 50, "max_ms": 80}
    )
    started = time.perf_counter()
    azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    assert 0.05 <= time.perf_counter() - started < 0.5
    sandbox.set_faults({"azure_openai": {"latency": {"mean_ms": 30, "stddev_ms": 5}}})
    assert azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES).choices


def _http(sandbox, method, path, body=None):
    request = urllib.request.Request(
        sandbox.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_http_fault_control_and_request_log(sandbox, azure):
    state = _http(
        sandbox, "POST", "/_sandbox/faults", {"azure_openai": {"kind": "throttle", "fail_next": 2}}
    )
    assert state["azure_openai"]["remaining_fail_next"] == 2
    with pytest.raises(openai.RateLimitError):
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    state = _http(sandbox, "DELETE", "/_sandbox/faults")
    assert state["azure_openai"]["remaining_fail_next"] == 0
    assert azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES).choices
    assert _http(sandbox, "GET", "/_sandbox/health")["status"] == "ok"
    log = _http(sandbox, "GET", "/_sandbox/requests?provider=azure_openai")["requests"]
    assert log[-1]["status"] == 200
    assert log[-2]["status"] == 429
    assert log[-2]["fault"] == "throttle"
    assert log[-1]["account"] == "contoso"
    text = json.dumps(_http(sandbox, "GET", "/_sandbox/requests"))
    for secret in (
        defaults.AZURE_DEFAULT_KEY,
        defaults.AWS_SECRET_ACCESS_KEY,
        defaults.GEMINI_API_KEY,
        defaults.NOW_LLM_API_KEY,
    ):
        assert secret not in text


def test_invalid_fault_spec_is_rejected(sandbox):
    request = urllib.request.Request(
        sandbox.url + "/_sandbox/faults",
        method="POST",
        data=json.dumps({"azure_openai": {"kind": "explode"}}).encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=5)
    assert excinfo.value.code == 400


# --- faults on the cheap calls health checks use ---------------------------------------------


def last(sandbox, operation):
    """The latest logged request of ``operation`` (a hung request may log after others)."""
    return [r for r in sandbox.requests if r["operation"] == operation][-1]


def test_it_fails_bedrock_count_tokens_on_purpose(sandbox, bedrock):
    sandbox.set_faults("aws_bedrock", kind="throttle", fail_next=1)
    params = {
        "modelId": defaults.BEDROCK_SONNET_45,
        "input": {"converse": {"messages": [{"role": "user", "content": [{"text": "ping"}]}]}},
    }
    with pytest.raises(bedrock.exceptions.ThrottlingException):
        bedrock.count_tokens(**params)
    assert last(sandbox, "CountTokens")["fault"] == "throttle"
    assert bedrock.count_tokens(**params)["inputTokens"] > 0


def test_it_fails_gemini_count_tokens_on_purpose(sandbox, gemini):
    sandbox.set_faults("google_gemini", kind="server_error", fail_next=1)
    with pytest.raises(errors.ServerError) as info:
        gemini.models.count_tokens(model="gemini-2.5-flash", contents="ping")
    assert info.value.code == 503
    assert last(sandbox, "countTokens")["fault"] == "server_error"
    assert gemini.models.count_tokens(model="gemini-2.5-flash", contents="ping").total_tokens


def test_it_fails_the_openai_compatible_model_list_on_purpose(sandbox):
    client = openai.OpenAI(
        base_url=sandbox.url + "/v1/", api_key=defaults.GENERIC_LLM_API_KEY, max_retries=0
    )
    sandbox.set_faults("openai_compatible", kind="throttle", fail_next=1, retry_after_s=3)
    with pytest.raises(openai.RateLimitError) as info:
        client.models.list()
    assert info.value.response.headers["retry-after"] == "3"
    assert last(sandbox, "models.list")["fault"] == "throttle"
    assert [m.id for m in client.models.list()]


def test_it_cuts_a_stream_after_its_first_chunk(sandbox):
    client = openai.OpenAI(
        base_url=sandbox.url + "/v1/", api_key=defaults.GENERIC_LLM_API_KEY, max_retries=0
    )
    sandbox.set_faults("openai_compatible", kind="stream_cut", fail_next=1)
    stream = client.chat.completions.create(
        model="llama-3.3-70b-instruct", messages=MESSAGES, stream=True
    )
    received: list = []
    with pytest.raises(openai.APIConnectionError):
        received.extend(stream)  # keeps the chunks read before the cut
    assert len(received) == 1
    assert last(sandbox, "chat.completions")["fault"] == "stream_cut"
    whole = client.chat.completions.create(
        model="llama-3.3-70b-instruct", messages=MESSAGES, stream=True
    )
    assert len(list(whole)) > 2


def test_it_drops_an_answer_that_is_not_streamed_under_stream_cut(sandbox, bedrock):
    sandbox.set_faults("aws_bedrock", kind="stream_cut", fail_next=1)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        converse(bedrock)
    seen = last(sandbox, "Converse")
    assert (seen["status"], seen["fault"]) == (None, "stream_cut")


def test_it_cuts_an_answer_that_is_not_streamed_mid_body_under_body_cut(sandbox, azure):
    sandbox.set_faults("azure_openai", kind="body_cut", fail_next=2)
    with pytest.raises(openai.APIConnectionError):
        azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES)
    # On the wire: a 200 and its headers, then half the announced body, then the cut.
    url = (
        f"{sandbox.url}/openai/deployments/gpt4o-prod/chat/completions"
        f"?api-version={defaults.AZURE_API_VERSION}"
    )
    headers = {"api-key": defaults.AZURE_DEFAULT_KEY}
    received: list[bytes] = []
    with (
        httpx2.Client(timeout=5) as client,
        client.stream("POST", url, json={"messages": MESSAGES}, headers=headers) as response,
    ):
        assert response.status_code == 200
        announced = int(response.headers["content-length"])
        with pytest.raises(httpx2.TransportError):
            received.extend(response.iter_raw())  # keeps the bytes read before the cut
    assert 0 < len(b"".join(received)) < announced
    # The sandbox is shared by the session: an earlier test's hung request may be recorded
    # late, so this test's two are picked out by their fault.
    seen = [
        r for r in sandbox.requests if r["provider"] == "azure_openai" and r["fault"] == "body_cut"
    ][-2:]
    assert [(r["status"], r["fault"]) for r in seen] == [(None, "body_cut")] * 2
    assert azure.chat.completions.create(model="gpt4o-prod", messages=MESSAGES).choices


def test_it_cuts_a_streamed_answer_after_its_first_chunk_under_body_cut(sandbox):
    client = openai.OpenAI(
        base_url=sandbox.url + "/v1/", api_key=defaults.GENERIC_LLM_API_KEY, max_retries=0
    )
    sandbox.set_faults("openai_compatible", kind="body_cut", fail_next=1)
    stream = client.chat.completions.create(
        model="llama-3.3-70b-instruct", messages=MESSAGES, stream=True
    )
    received: list = []
    with pytest.raises(openai.APIConnectionError):
        received.extend(stream)
    assert len(received) == 1
    assert last(sandbox, "chat.completions")["fault"] == "body_cut"


def test_it_logs_which_prompt_a_request_carried_without_its_text(sandbox, azure, bedrock):
    """Retries of one request share a digest, faulted or not; the text is never kept."""
    prompts = ["Printer on fire in building 7", "VPN down for the Lisbon office"]
    sandbox.set_faults("azure_openai", kind="server_error", fail_next=1)
    with pytest.raises(openai.InternalServerError):
        azure.chat.completions.create(
            model="gpt4o-prod", messages=[{"role": "user", "content": prompts[0]}]
        )
    for text in prompts:
        azure.chat.completions.create(
            model="gpt4o-prod",
            messages=[
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": text},
            ],
        )
    bedrock.converse(
        modelId=defaults.BEDROCK_SONNET_4,
        messages=[{"role": "user", "content": [{"text": prompts[1]}]}],
    )
    azure_log = [r for r in sandbox.requests if r["provider"] == "azure_openai"][-3:]
    expected = [content.prompt_digest(prompts[0])] * 2 + [content.prompt_digest(prompts[1])]
    assert [r["prompt_digest"] for r in azure_log] == expected
    assert last(sandbox, "Converse")["prompt_digest"] == content.prompt_digest(prompts[1])
    text = json.dumps(sandbox.requests)
    assert not any(word in text for word in ("Printer", "Lisbon"))
