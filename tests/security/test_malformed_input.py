"""Malformed input is a 4xx that names the problem, at every door, and never a 500 (whose
debug page, with DEBUG on, may show a key): a service-account key that is not a JSON object,
an object sent as a list, JSON nested thousands deep, numbers beyond 64 bits, Unicode digits
in ids, duplicate keys, bodies of megabytes, NaN, invalid UTF-8 and wrong content types."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from console.services.config_io import ConfigDocumentError, import_document
from core import parsers
from providers.models import Connection, Provider
from skills.models import SkillVariant
from skills.services.variants import create_draft
from tests.providers.spec_cases import EXTRA_HOSTS, SERVICE_ACCOUNT, form_data, with_value

pytestmark = pytest.mark.django_db

BIG = 2**64
DEEP = 100_000
MIB = 1024 * 1024

IMPORT = "/api/v1/config/import/"
# Every kind of write, each with a body that is otherwise fine for it or refused per field.
WRITES = [
    ("post", "/api/v1/connections/"),
    ("patch", "/api/v1/connections/contoso-azure/"),
    ("post", "/api/v1/connections/contoso-azure/test/"),
    ("post", "/api/v1/alias-mappings/"),
    ("patch", "/api/v1/providers/azure_openai/"),
    ("patch", "/api/v1/skills/incident_summarization/"),
    ("post", "/api/v1/skill-variants/"),
    ("post", "/api/v1/model-provider-policies/"),
    ("post", "/api/v1/version-overrides/"),
    ("post", "/api/v1/invocations/"),
    ("post", "/api/v1/agent-runs/"),
    ("post", IMPORT),
    ("post", "/api/v1/alert-rules/"),
    ("post", "/api/v1/alert-channels/"),
]
WRITE_IDS = [f"{m} {p}" for m, p in WRITES]


@pytest.fixture(autouse=True)
def _hosts(settings: Any) -> None:
    settings.BYOK_ALLOWED_ENDPOINT_HOSTS = EXTRA_HOSTS


@pytest.fixture
def api(demo: Any, client_for: Any) -> Any:
    client = client_for("admin_user")
    client.raise_request_exception = False  # a 500 is an answer to assert on, not an error
    return client


@pytest.fixture
def console(demo: Any, client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    client.raise_request_exception = False
    return client


def send(client: Any, method: str, path: str, body: str | bytes, **extra: Any) -> Any:
    extra.setdefault("content_type", "application/json")
    return client.generic(method.upper(), path, body, **extra)


def refused(response: Any, status: int = 400, code: str = "malformed_request") -> str:
    """Assert a `{code, detail}` refusal and return its detail."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert body["code"] == code, body
    return str(body["detail"])


# -- a service-account key that is not a JSON object -----------------------------------------

NOT_AN_OBJECT = [
    pytest.param([SERVICE_ACCOUNT], id="list"),
    pytest.param("not json", id="string"),
    pytest.param(7, id="number"),
    pytest.param(True, id="boolean"),
    pytest.param(json.dumps([SERVICE_ACCOUNT]), id="list-as-text"),
    pytest.param('"a string"', id="string-as-text"),
    pytest.param("7", id="number-as-text"),
    pytest.param('{"type": "service_account",', id="invalid-json"),
    pytest.param("[" * DEEP, id="deep-arrays"),
    pytest.param('{"a":' * DEEP, id="deep-objects"),
    pytest.param('{"type": "a", "type": "b"}', id="duplicate-key"),
    pytest.param('{"type": NaN}', id="nan"),
    pytest.param('{"n": ' + str(BIG) + "}", id="big-integer"),
]


@pytest.mark.parametrize("value", NOT_AN_OBJECT)
def test_the_api_refuses_a_key_that_is_not_an_object_on_create_and_update(
    api: Any, value: Any
) -> None:
    item = with_value("google_gemini", "service_account_json", value)
    created = api.post("/api/v1/connections/", item, format="json")
    assert created.status_code == 400
    assert "service_account_json" in created.json()["credentials"][0]
    assert not Connection.objects.filter(name=item["name"]).exists()
    body = {"credentials": {"service_account_json": value}}
    updated = api.patch("/api/v1/connections/contoso-gemini/", body, format="json")
    assert updated.status_code == 400
    assert "service_account_json" in updated.json()["credentials"][0]


@pytest.mark.parametrize("value", NOT_AN_OBJECT)
def test_the_console_form_shows_it_on_the_field(console: Client, value: Any) -> None:
    item = with_value("google_gemini", "service_account_json", value)
    data = form_data(item, Provider.objects.get(kind="google_gemini").pk)
    data.pop("owner")
    data["secret_service_account_json"] = value if isinstance(value, str) else json.dumps(value)
    response = console.post("/connections/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["secret_service_account_json"]
    assert not Connection.objects.filter(name=item["name"]).exists()


@pytest.mark.parametrize("value", NOT_AN_OBJECT)
def test_import_refuses_it_with_its_path_by_every_door(
    api: Any, tmp_path: Path, value: Any
) -> None:
    doc = {
        "version": 1,
        "connections": [with_value("google_gemini", "service_account_json", value)],
    }
    where = "connections[0].credentials.service_account_json: "
    with pytest.raises(ConfigDocumentError) as caught:
        import_document(doc)
    assert any(e.startswith(where) for e in caught.value.errors)
    response = api.post("/api/v1/config/import/", doc, format="json")
    assert response.status_code == 400
    assert any(e.startswith(where) for e in response.json()["errors"])
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("byok_import", str(path), stdout=io.StringIO(), stderr=err)
    assert where in err.getvalue()


# -- an object sent as a list, and a list as an object ---------------------------------------

SWAPPED = [
    ("post", "/api/v1/connections/", {"credentials": [SERVICE_ACCOUNT]}, "credentials"),
    ("post", "/api/v1/connections/", {"clear_credentials": {"api_key": 1}}, "clear_credentials"),
    ("patch", "/api/v1/connections/contoso-gemini/", {"credentials": ["x"]}, "credentials"),
    ("post", "/api/v1/alias-mappings/", [{"alias": "gpt_large"}], "non_field_errors"),
    ("post", "/api/v1/invocations/", {"skill": "incident_summarization", "input": []}, "input"),
    ("post", "/api/v1/invocations/", ["incident_summarization"], "non_field_errors"),
    ("post", "/api/v1/agent-runs/", ["incident_triage"], "non_field_errors"),
    ("patch", "/api/v1/providers/azure_openai/", ["byok"], "non_field_errors"),
    ("post", "/api/v1/connections/contoso-azure/test/", ["gpt-4o"], "non_field_errors"),
    ("post", IMPORT, [], "$: must be an object"),
    ("post", IMPORT, {"version": 1, "integrations": []}, "integrations:"),
    ("post", IMPORT, {"version": 1, "connections": {}}, "connections:"),
    ("post", IMPORT, {"version": 1, "connections": [[]]}, "connections[0]"),
    ("post", IMPORT, {"version": 1, "alias_mappings": {}}, "alias_mappings"),
    ("post", IMPORT, {"version": 1, "model_providers": []}, "model_providers"),
    ("post", IMPORT, {"version": 1, "model_providers": {"skills": []}}, "model_providers.sk"),
    ("post", IMPORT, {"version": 1, "version_overrides": {}}, "version_overrides"),
]


@pytest.mark.parametrize(("method", "path", "body", "named"), SWAPPED)
def test_an_object_as_a_list_or_a_list_as_an_object_is_a_field_error(
    api: Any, method: str, path: str, body: Any, named: str
) -> None:
    if path == "/api/v1/connections/":
        body = {**with_value("google_gemini", "service_account_json", SERVICE_ACCOUNT), **body}
    response = send(api, method, path, json.dumps(body))
    assert response.status_code == 400, response.content[:500]
    assert named in json.dumps(response.json())


# -- malformed JSON: nested thousands deep, numbers beyond 64 bits, duplicate keys, NaN, text -

NESTED = "nested more than 64 levels"
MALFORMED = [
    pytest.param("[" * DEEP, NESTED, id="deep-open-arrays"),
    pytest.param('{"a":' * DEEP, NESTED, id="deep-open-objects"),
    pytest.param("[" * DEEP + "]" * DEEP, NESTED, id="deep-closed-arrays"),
    pytest.param('{"input": {"a": ' + "[" * DEEP + "]" * DEEP + "}}", NESTED, id="deep-in-a-field"),
    pytest.param("[" * 65 + "]" * 65, NESTED, id="65-levels"),
    pytest.param(f'{{"timeout_seconds": {BIG}}}', "64 bits", id="big-setting"),
    pytest.param(f'{{"id": {BIG}}}', "64 bits", id="big-id"),
    pytest.param(f'{{"input": {{"n": {-(2**63) - 1}}}}}', "64 bits", id="big-in-a-json-field"),
    pytest.param(f'{{"a": [{"9" * 5000}]}}', "64 bits", id="5000-digits"),
    pytest.param('{"name": "a", "name": "b"}', "duplicate key 'name'", id="duplicate-key"),
    pytest.param(
        '{"credentials": {"api_key": "a", "api_key": "b"}}',
        "duplicate key 'api_key'",
        id="duplicate-nested-key",
    ),
    pytest.param('{"name": ', "Not valid JSON", id="truncated"),
    pytest.param('{"name": "a"} x', "Not valid JSON", id="trailing-text"),
    pytest.param('{"n": NaN}', "NaN", id="nan"),
    pytest.param('{"n": Infinity}', "Infinity", id="infinity"),
    pytest.param('{"n": -Infinity}', "Infinity", id="minus-infinity"),
    pytest.param('{"n": 1e400}', "too large", id="float-overflow"),
    pytest.param(b'{"name": "\xff\xfe"}', "not UTF-8", id="invalid-utf8"),
    pytest.param(b'\xef\xbb\xbf{"name": "a"}', "Not valid JSON", id="byte-order-mark"),
    pytest.param('{"name": "\\ud800"}', "surrogate", id="lone-surrogate"),
    pytest.param('{"name": "\\u0000"}', "NUL", id="nul"),
    pytest.param('{"\\u0000": 1}', "NUL", id="nul-in-a-key"),
]


@pytest.mark.parametrize(("body", "says"), MALFORMED)
@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_malformed_json_is_refused_naming_the_problem(
    api: Any, method: str, path: str, body: str | bytes, says: str
) -> None:
    assert says in refused(send(api, method, path, body))


def test_the_largest_64_bit_number_reaches_the_fields_own_check(api: Any) -> None:
    body = {"timeout_seconds": 2**63 - 1}
    response = api.patch("/api/v1/connections/contoso-azure/", body, format="json")
    assert response.status_code == 400
    assert "timeout_seconds" in response.json()


# Digits `int()` reads but a URL's [0-9] does not: Arabic-Indic 12, full-width 12,
# superscript two (which `str.isdigit()` accepts and `int()` refuses), and a mix.
UNUSUAL_IDS = [str(BIG), "\u0661\u0662", "\uff11\uff12", "\u00b2", "0\u0661"]
RESOURCES = "connections alias-mappings skill-variants model-provider-policies version-overrides"
LOGS = "outbound-requests health-checks audit-events invocations agent-runs"
DETAIL_PATHS = [f"/api/v1/{name}/{{}}/" for name in f"{RESOURCES} {LOGS}".split()]


@pytest.mark.parametrize("key", UNUSUAL_IDS)
@pytest.mark.parametrize("template", DETAIL_PATHS)
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_id_beyond_64_bits_or_in_unicode_digits_is_not_found(
    api: Any, method: str, template: str, key: str
) -> None:
    response = send(api, method, template.format(key), "{}")
    assert response.status_code in (404, 405), response.content[:300]


CONSOLE_PATHS = [
    ("get", "/connections/{}/"),
    ("post", "/connections/{}/"),
    ("post", "/connections/{}/test/"),
    ("post", "/connections/{}/deactivate/"),
    ("get", "/invocations/{}/"),
    ("get", "/skills/{}/"),
    ("get", "/aliases/{}/map/form/"),
    ("get", "/health/{}/"),
]


@pytest.mark.parametrize("key", UNUSUAL_IDS)
@pytest.mark.parametrize(("method", "template"), CONSOLE_PATHS)
def test_the_consoles_pages_answer_404_for_such_an_id(
    console: Client, method: str, template: str, key: str
) -> None:
    response = getattr(console, method)(template.format(key))
    assert response.status_code == 404


FILTERS = [
    ("/api/v1/connections/", "provider"),
    ("/api/v1/alias-mappings/", "connection"),
    ("/api/v1/health-checks/", "connection"),
    ("/api/v1/outbound-requests/", "connection"),
    ("/api/v1/outbound-requests/", "status_code"),
    ("/api/v1/outbound-requests/", "page_size"),
    ("/api/v1/invocations/", "skill"),
    ("/api/v1/audit-events/", "object_id"),
    ("/api/v1/skill-variants/", "page"),
    ("/invocations/", "page"),
    ("/audit/", "page"),
    ("/validation/", "connection"),
    ("/validation/", "status_code"),
    ("/overview/", "period"),
    ("/usage/", "since"),
    ("/usage/", "until"),
    ("/usage/", "group"),
    ("/usage/", "provider"),
    ("/usage/export.csv", "since"),
]


# Query and form values as sent: such numbers, NUL (PostgreSQL refuses it in a query), and
# bytes that are not UTF-8 (an encoded lone surrogate, 0xFF).
RAW_VALUES = [
    *(quote(v) for v in [*UNUSUAL_IDS, str(-BIG), "9" * 5000]),
    *("%00", "a%00b", "%ED%A0%80", "%FF%FE", "%25"),
]


@pytest.mark.parametrize("value", RAW_VALUES)
@pytest.mark.parametrize(("path", "name"), FILTERS)
def test_a_filter_given_such_a_value_answers_without_a_server_error(
    api: Any, console: Client, path: str, name: str, value: str
) -> None:
    client = api if path.startswith("/api/") else console
    response = client.get(path, QUERY_STRING=f"{name}={value}")
    assert response.status_code in (200, 400, 404), response.content[:300]


CONSOLE_FORMS = [
    ("/integrations/azure_openai/mode/", ["mode"]),
    (
        "/setup/azure_openai/connection/",
        ["mode", "connection", "name", "endpoint", "api_version", "secret_api_key", "confirm"],
    ),
    (
        "/setup/aws_bedrock/connection/",
        ["mode", "region", "access_key_id", "secret_bedrock_api_key"],
    ),
    ("/setup/azure_openai/byok/", ["confirm"]),
    ("/aliases/gpt_large/map/", ["connection", "model"]),
    ("/aliases/claude_large/map/", ["connection", "model_choice", "model"]),
    ("/model-providers/", ["scope", "skill_group", "skill", "provider", "fallback", "overwrite"]),
    ("/versions/instance/", ["provider", "model_version"]),
    ("/versions/skills/", ["skills", "model_version"]),
    ("/connections/new/", ["name", "provider", "timeout_seconds", "endpoint", "secret_api_key"]),
    ("/settings/guardian/", ["scope", "skill", "kind", "mode", "detector"]),
    ("/settings/privacy/", ["name", "scope", "skill", "provider", "patterns", "name_fields"]),
    ("/settings/data-patterns/", ["key", "label", "regex", "is_active"]),
    ("/settings/data-patterns/try/", ["regex", "sample"]),
    ("/settings/allowed-providers/", ["scope", "skill", "provider", "regions"]),
    (
        "/settings/budgets/",
        ["name", "scope", "provider", "connection", "skill", "user", "period", "metric", "limit"],
    ),
    ("/alerts/channels/new/", ["name", "kind", "email_to", "webhook_url", "is_active"]),
    ("/skills/incident_summarization/prompts/draft/", ["source"]),
    ("/agents/new/", ["key", "name", "role", "instructions", "tier", "max_steps", "provider"]),
    (
        "/alerts/rules/new/",
        [
            "name",
            "kind",
            "provider",
            "connection",
            "threshold",
            "window_minutes",
            "min_requests",
            "expires_on",
            "quiet_start",
            "quiet_end",
            "channels",
        ],
    ),
]


@pytest.mark.parametrize("value", RAW_VALUES)
@pytest.mark.parametrize(("path", "fields"), CONSOLE_FORMS)
def test_a_console_form_given_such_values_answers_without_a_server_error(
    console: Client, path: str, fields: list[str], value: str
) -> None:
    body = "&".join(f"{name}={value}" for name in fields)
    response = console.post(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, response.content[:300]


# The Prompts page's forms address a version by its id, so they are sent to a real draft.
PROMPT_FORMS = [
    ("", ["system_prompt", "template", "temperature", "max_tokens", "response_format", "notes"]),
    ("try/", ["short_description", "description", "priority", "record"]),
]


@pytest.mark.parametrize("value", RAW_VALUES)
@pytest.mark.parametrize(("suffix", "fields"), PROMPT_FORMS)
def test_the_prompt_forms_given_such_values_answer_without_a_server_error(
    console: Client, suffix: str, fields: list[str], value: str
) -> None:
    live = SkillVariant.objects.filter(skill__key="incident_summarization").first()
    assert live is not None
    draft = create_draft(live)
    body = "&".join(f"{name}={value}" for name in fields)
    path = f"/skills/incident_summarization/prompts/{draft.pk}/{suffix}"
    response = console.post(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400), response.content[:300]


def test_the_console_form_refuses_such_numbers_on_their_fields(console: Client) -> None:
    item = with_value("google_gemini", "service_account_json", SERVICE_ACCOUNT)
    data = form_data(item, BIG)
    data.update(owner="", timeout_seconds=str(BIG))
    response = console.post("/connections/new/", data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"provider", "timeout_seconds"}


# -- wrong content types, bodies that are not an object, DEBUG on -------------------------


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), ("application/xml", 415), ("application/json; charset=latin-1", 400)],
)
@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_a_body_that_is_not_utf8_json_is_refused(
    api: Any, method: str, path: str, content_type: str, status: int
) -> None:
    response = send(api, method, path, '{"name": "x"}', content_type=content_type)
    assert response.status_code == status


@pytest.mark.parametrize("body", ["null", "7", '"text"', "[]"])
@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_a_body_that_is_not_an_object_is_a_field_error(
    api: Any, method: str, path: str, body: str
) -> None:
    assert send(api, method, path, body).status_code == 400


@pytest.mark.parametrize(("method", "path"), [w for w in WRITES if not w[1].endswith("/test/")])
def test_an_empty_body_answers_without_a_server_error(api: Any, method: str, path: str) -> None:
    assert send(api, method, path, "").status_code in (200, 400)


def test_with_debug_on_a_refusal_is_still_json_not_a_debug_page(api: Any, settings: Any) -> None:
    settings.DEBUG = True
    for body in ("[" * DEEP, '{"a": 1, "a": 2}', f"[{BIG}]"):
        response = send(api, "post", "/api/v1/connections/", body, HTTP_ACCEPT="text/html")
        assert response.status_code == 400
        assert b"Django Version" not in response.content


# -- bodies of megabytes -------------------------------------------------------------------


def _big_json(size: int) -> str:
    return json.dumps({"description": "x" * size})


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_a_body_over_the_limit_is_413(api: Any, method: str, path: str, settings: Any) -> None:
    settings.BYOK_IMPORT_MAX_BODY_BYTES = 2 * MIB
    size = 3 * MIB if path.endswith("import/") else 2 * MIB
    detail = refused(send(api, method, path, _big_json(size)), 413, "request_too_large")
    assert "larger than this endpoint accepts" in detail


def test_the_configuration_import_takes_a_larger_document(api: Any) -> None:
    doc = {"version": 1, "connections": [{"name": "x" * 2 * MIB}]}
    response = api.post("/api/v1/config/import/", doc, format="json")
    assert response.status_code == 400  # read, then refused for its content
    assert "connections[0]" in json.dumps(response.json())


def test_a_form_body_over_the_limit_is_413_on_api_and_console(
    api: Any, console: Client, settings: Any
) -> None:
    settings.DEBUG = True  # no debug page either
    data = {"description": "x" * 2 * MIB}
    response = api.post("/api/v1/connections/", data, format="multipart")
    refused(response, 413, "request_too_large")
    page = console.post("/connections/new/", data)
    assert page.status_code == 413
    assert b"Request too large" in page.content
    assert b"Django Version" not in page.content


def test_a_body_without_a_length_is_held_to_the_limit_as_it_is_read() -> None:
    stream = io.BytesIO(_big_json(2 * MIB).encode())
    with pytest.raises(parsers.BodyTooLarge):
        parsers.StrictJSONParser().parse(stream, "application/json", {})


def test_too_many_form_fields_or_query_parameters_are_400(api: Any, console: Client) -> None:
    fields = {f"f{i}": "1" for i in range(2000)}
    refused(api.get("/api/v1/connections/", fields))
    assert console.post("/connections/new/", fields).status_code == 400
    assert console.get("/connections/", fields).status_code == 400


# -- the loader itself: what it reads (what it refuses, the API refuses above) --------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 64 + "]" * 64,
        '{"a": "\\"' + "[{" * 100 + '"}',  # brackets inside a string (after an escaped ")
        '"\\ud83d\\ude00 a surrogate pair"',
        f"[{2**63 - 1}, {-(2**63)}, 1e308, -0.5]",
    ],
)
def test_the_loader_reads_what_is_within_the_rules(text: str) -> None:
    assert parsers.loads(text) == json.loads(text)
