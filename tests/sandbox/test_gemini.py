from __future__ import annotations

import json
import urllib.request

import pytest
from google import genai
from google.genai import errors, types
from google.oauth2 import service_account

from sandbox import defaults

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
DISK = (
    "Summarize: Disk usage on db-01 reached 95 percent overnight. Old logs were rotated and usage "
    "dropped to 40 percent."
)
WEATHER = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="Weather of a city",
            parameters={
                "type": "OBJECT",
                "properties": {"city": {"type": "STRING"}, "days": {"type": "INTEGER"}},
                "required": ["city", "days"],
            },
        )
    ]
)


@pytest.fixture
def gemini(sandbox):
    # Keep the client referenced: google-genai closes its HTTP client when collected.
    return genai.Client(
        api_key=defaults.GEMINI_API_KEY,
        http_options=types.HttpOptions(base_url=sandbox.url, api_version="v1beta"),
    )


@pytest.fixture(scope="module")
def vertex(sandbox):
    credentials = service_account.Credentials.from_service_account_info(
        defaults.service_account_info(sandbox.url), scopes=SCOPES
    )
    return genai.Client(
        vertexai=True,
        project=defaults.GCP_PROJECT,
        location=defaults.GCP_LOCATION,
        credentials=credentials,
        http_options=types.HttpOptions(base_url=sandbox.url, api_version="v1"),
    )


def test_generate_content(gemini):
    response = gemini.models.generate_content(model="gemini-2.5-flash", contents=DISK)
    assert "Disk usage on db-01 reached 95 percent overnight." in response.text
    assert "40 percent" not in response.text
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    usage = response.usage_metadata
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert response.response_id
    assert response.model_version == "gemini-2.5-flash"


def test_generate_max_tokens_and_json(gemini):
    response = gemini.models.generate_content(
        model="gemini-2.5-pro",
        contents=DISK,
        config=types.GenerateContentConfig(max_output_tokens=4),
    )
    assert response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    response = gemini.models.generate_content(
        model="gemini-2.5-pro",
        contents=DISK,
        config=types.GenerateContentConfig(response_mime_type="application/json"),
    )
    assert "db-01" in json.loads(response.text)["summary"]


def test_stream_is_sse_and_matches(gemini):
    chunks = list(gemini.models.generate_content_stream(model="gemini-2.5-flash", contents=DISK))
    assert len(chunks) > 1
    full = gemini.models.generate_content(model="gemini-2.5-flash", contents=DISK)
    assert "".join(c.text for c in chunks) == full.text
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


def test_stream_without_sse_is_a_json_array(sandbox):
    request = urllib.request.Request(
        sandbox.url + "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        data=json.dumps({"contents": [{"role": "user", "parts": [{"text": DISK}]}]}).encode(),
        headers={"x-goog-api-key": defaults.GEMINI_API_KEY, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        chunks = json.loads(response.read())
    assert isinstance(chunks, list)
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_function_call_round_trip(gemini):
    config = types.GenerateContentConfig(tools=[WEATHER])
    contents = [
        types.Content(role="user", parts=[types.Part(text="Weather in Berlin for 3 days?")])
    ]
    response = gemini.models.generate_content(
        model="gemini-2.5-flash", contents=contents, config=config
    )
    call = response.function_calls[0]
    assert call.name == "get_weather"
    assert call.args == {"city": "Berlin", "days": 3}
    contents.append(response.candidates[0].content)
    contents.append(
        types.Content(
            role="user",
            parts=[
                types.Part.from_function_response(
                    name="get_weather", response={"forecast": "rain, 12 degrees"}
                )
            ],
        )
    )
    final = gemini.models.generate_content(
        model="gemini-2.5-flash", contents=contents, config=config
    )
    assert not final.function_calls
    assert "rain, 12 degrees" in final.text


def test_embeddings_and_count_tokens(gemini):
    result = gemini.models.embed_content(model="gemini-embedding-001", contents=["alpha", "beta"])
    assert [len(e.values) for e in result.embeddings] == [3072, 3072]
    small = gemini.models.embed_content(
        model="gemini-embedding-001",
        contents="alpha",
        config=types.EmbedContentConfig(output_dimensionality=768),
    )
    assert len(small.embeddings[0].values) == 768
    assert small.embeddings[0].values[:8] != result.embeddings[1].values[:8]
    counted = gemini.models.count_tokens(model="gemini-2.5-flash", contents="one two three four")
    assert counted.total_tokens == 5


def test_models_get_health_check(gemini):
    model = gemini.models.get(model="gemini-2.5-pro")
    assert model.name == "models/gemini-2.5-pro"


def test_bad_api_key_is_400_invalid_argument(sandbox):
    bad = genai.Client(
        api_key="sandbox-wrong-key",
        http_options=types.HttpOptions(base_url=sandbox.url, api_version="v1beta"),
    )
    with pytest.raises(errors.ClientError) as excinfo:
        bad.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert excinfo.value.code == 400
    assert excinfo.value.status == "INVALID_ARGUMENT"
    assert "API key not valid" in excinfo.value.message


def test_unknown_model_is_404(gemini):
    with pytest.raises(errors.ClientError) as excinfo:
        gemini.models.generate_content(model="gemini-0.1-nano", contents="hi")
    assert excinfo.value.code == 404
    assert excinfo.value.status == "NOT_FOUND"


def test_vertex_with_service_account(sandbox, vertex):
    response = vertex.models.generate_content(model="gemini-2.5-pro", contents=DISK)
    assert "db-01" in response.text
    assert response.create_time is not None
    entry = sandbox.requests[-1]
    assert entry["path"].startswith(f"/v1/projects/{defaults.GCP_PROJECT}/locations/us-central1/")
    assert (entry["account"], entry["auth"]) == (defaults.GCP_PROJECT, "oauth")
    chunks = list(vertex.models.generate_content_stream(model="gemini-2.5-flash", contents=DISK))
    assert "".join(c.text for c in chunks) == response.text
    embedded = vertex.models.embed_content(model="gemini-embedding-001", contents=["x"])
    assert len(embedded.embeddings[0].values) == 3072
    assert vertex.models.count_tokens(model="gemini-2.5-flash", contents="a b c").total_tokens == 4


def test_vertex_token_is_bound_to_its_project(sandbox):
    credentials = service_account.Credentials.from_service_account_info(
        defaults.service_account_info(sandbox.url), scopes=SCOPES
    )
    other = genai.Client(
        vertexai=True,
        project=defaults.GCP_PLATFORM_PROJECT,
        location="us-central1",
        credentials=credentials,
        http_options=types.HttpOptions(base_url=sandbox.url, api_version="v1"),
    )
    with pytest.raises(errors.ClientError) as excinfo:
        other.models.generate_content(model="gemini-2.5-pro", contents="hi")
    assert excinfo.value.code == 403
    assert excinfo.value.status == "PERMISSION_DENIED"


def test_vertex_token_endpoint_checks_the_signature(sandbox):
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request

    info = defaults.service_account_info(sandbox.url)
    info["private_key"] = defaults.GCP_SERVICE_ACCOUNT_KEYS[defaults.GCP_PLATFORM_PROJECT]
    forged = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    with pytest.raises(RefreshError, match="Invalid JWT Signature"):
        forged.refresh(Request())


def test_vertex_bad_token_is_401(sandbox):
    from google.oauth2.credentials import Credentials

    client = genai.Client(
        vertexai=True,
        project=defaults.GCP_PROJECT,
        location="us-central1",
        credentials=Credentials(token="ya29.sandbox-forged"),
        http_options=types.HttpOptions(base_url=sandbox.url, api_version="v1beta1"),
    )
    with pytest.raises(errors.ClientError) as excinfo:
        client.models.generate_content(model="gemini-2.5-pro", contents="hi")
    assert excinfo.value.code == 401
    assert excinfo.value.status == "UNAUTHENTICATED"


def test_vertex_express_api_key(sandbox):
    client = genai.Client(
        vertexai=True,
        api_key=defaults.VERTEX_EXPRESS_API_KEY,
        http_options=types.HttpOptions(base_url=sandbox.url),
    )
    response = client.models.generate_content(model="gemini-2.5-flash", contents=DISK)
    assert "db-01" in response.text
    entry = sandbox.requests[-1]
    assert entry["path"] == "/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent"
    assert (entry["account"], entry["auth"]) == (defaults.GCP_PROJECT, "express_api_key")
