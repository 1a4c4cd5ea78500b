"""The role matrix: every API route and console page, every method it answers, against each
role and an anonymous visitor.

Requests address objects that do not exist and carry invalid bodies, so nothing changes: a
role the capability admits gets past the permission check (404 for a missing object, 400 for
an invalid body, 200 for a page or a list), a role it refuses gets 403 before any lookup, and
an anonymous visitor 401 (API) or the login page (console). The tables are checked against
the URL configuration, so a route added without a row fails here.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

ANON, STRANGER = "anonymous", "stranger"
OPERATOR, AUDITOR, ADMIN = "operator_user", "auditor_user", "admin_user"
PLATFORM, SUPER, STEWARD = "platform_user", "superuser", "steward_user"
WHO = [ANON, STRANGER, OPERATOR, AUDITOR, STEWARD, ADMIN, PLATFORM, SUPER]

# Who holds each capability (core.roles); superusers hold all.
CAN = {
    "view_config": {OPERATOR, ADMIN, PLATFORM, SUPER},
    "configure": {ADMIN, PLATFORM, SUPER},
    "run": {OPERATOR, ADMIN, PLATFORM, SUPER},
    "view_logs": {OPERATOR, AUDITOR, STEWARD, ADMIN, PLATFORM, SUPER},
    "view_audit": {AUDITOR, ADMIN, PLATFORM, SUPER},
    "govern": {STEWARD, ADMIN, PLATFORM, SUPER},
    "view_governance": {AUDITOR, STEWARD, ADMIN, PLATFORM, SUPER},
    "signed_in": {STRANGER, OPERATOR, AUDITOR, STEWARD, ADMIN, PLATFORM, SUPER},
}

MISSING_ID = "999999"
MISSING_UUID = str(uuid.UUID(int=1))

# route name → {method: capability}; URL kwargs filled with missing objects.
API: dict[str, dict[str, str]] = {
    "audit-event-list": {"get": "view_audit"},
    "audit-event-detail": {"get": "view_audit"},
    "provider-list": {"get": "view_config"},
    "provider-detail": {"get": "view_config", "patch": "configure"},
    "connection-list": {"get": "view_config", "post": "configure"},
    "connection-detail": {"get": "view_config", "patch": "configure", "delete": "configure"},
    "connection-test": {"post": "configure"},
    "model-alias-list": {"get": "view_config"},
    "model-alias-detail": {"get": "view_config"},
    "alias-mapping-list": {"get": "view_config", "post": "configure"},
    "alias-mapping-detail": {"get": "view_config", "patch": "configure", "delete": "configure"},
    "outbound-request-list": {"get": "view_logs"},
    "outbound-request-detail": {"get": "view_logs"},
    "health-check-list": {"get": "view_logs"},
    "health-check-detail": {"get": "view_logs"},
    "skill-list": {"get": "view_config"},
    "skill-detail": {"get": "view_config", "patch": "configure"},
    "skill-variant-list": {"get": "view_config", "post": "configure"},
    "skill-variant-detail": {"get": "view_config", "patch": "configure", "delete": "configure"},
    "skill-variant-publish": {"post": "configure"},
    "skill-variant-rollback": {"post": "configure"},
    "model-provider-policy-list": {"get": "view_config", "post": "configure"},
    "model-provider-policy-detail": {
        "get": "view_config",
        "patch": "configure",
        "delete": "configure",
    },
    "version-override-list": {"get": "view_config", "post": "configure"},
    "version-override-detail": {
        "get": "view_config",
        "patch": "configure",
        "delete": "configure",
    },
    "invocation-list": {"get": "view_logs", "post": "run"},
    "invocation-detail": {"get": "view_logs"},
    "invocation-cancel": {"post": "run"},
    "agent-list": {"get": "view_config"},
    "agent-detail": {"get": "view_config"},
    "agent-run-list": {"get": "view_logs", "post": "run"},
    "agent-run-detail": {"get": "view_logs"},
    "agent-run-cancel": {"post": "run"},
    "guardrail-list": {"get": "view_governance", "post": "govern"},
    "guardrail-detail": {"get": "view_governance", "patch": "govern", "delete": "govern"},
    "data-pattern-list": {"get": "view_governance", "post": "govern"},
    "data-pattern-detail": {"get": "view_governance", "patch": "govern", "delete": "govern"},
    "privacy-policy-list": {"get": "view_governance", "post": "govern"},
    "privacy-policy-detail": {"get": "view_governance", "patch": "govern", "delete": "govern"},
    "allowed-provider-list": {"get": "view_governance", "post": "govern"},
    "allowed-provider-detail": {"get": "view_governance", "patch": "govern", "delete": "govern"},
    "budget-list": {"get": "view_governance", "post": "govern"},
    "budget-detail": {"get": "view_governance", "patch": "govern", "delete": "govern"},
    "alert-rule-list": {"get": "view_logs", "post": "configure"},
    "alert-rule-detail": {"get": "view_logs", "patch": "configure", "delete": "configure"},
    "alert-channel-list": {"get": "view_logs", "post": "configure"},
    "alert-channel-detail": {"get": "view_logs", "patch": "configure", "delete": "configure"},
    "alert-channel-test": {"post": "configure"},
    "incident-list": {"get": "view_logs"},
    "incident-detail": {"get": "view_logs"},
    "notification-list": {"get": "view_logs"},
    "notification-detail": {"get": "view_logs"},
    "api-config-export": {"get": "view_config"},
    "api-config-import": {"post": "configure"},
    "api-schema": {"get": "signed_in"},
    "api-docs": {"get": "signed_in"},
}

# Console pages: route name → {method: capability}. "public" pages need no login.
CONSOLE: dict[str, dict[str, str]] = {
    "login": {"get": "public"},
    "logout": {"post": "public"},
    "dashboard": {"get": "view_logs"},  # a log reader without configuration lands on the log
    "switch_mode": {"post": "configure"},
    "provider_card": {"get": "view_config"},
    "setup": {"get": "configure"},
    "setup_connection": {"post": "configure"},
    "setup_byok": {"post": "configure"},
    "setup_validate": {"get": "configure", "post": "configure"},
    "model_providers": {"get": "view_config", "post": "configure"},
    "model_provider_deactivate": {"post": "configure"},
    "versions": {"get": "view_config"},
    "version_instance": {"post": "configure"},
    "version_skills": {"post": "configure"},
    "version_target_remove": {"post": "configure"},
    "connections": {"get": "view_config"},
    "connection_new": {"get": "configure", "post": "configure"},
    "connection_edit": {"get": "configure", "post": "configure"},
    "connection_test": {"post": "configure"},
    "connection_rotate": {"get": "configure", "post": "configure"},
    "connection_deactivate": {"post": "configure"},
    "aliases": {"get": "view_config"},
    "alias_map": {"post": "configure"},
    "alias_map_form": {"get": "configure"},
    "skills": {"get": "view_config"},
    "skill_detail": {"get": "view_config", "post": "run"},
    "skill_prompts": {"get": "view_config"},
    "prompt_draft_new": {"post": "configure"},
    "prompt_variant": {"get": "view_config", "post": "configure"},
    "prompt_try": {"post": "view_config"},
    "prompt_run": {"post": "run"},
    "prompt_publish": {"post": "configure"},
    "prompt_rollback": {"post": "configure"},
    "agents": {"get": "view_config"},
    "agent_new": {"get": "configure", "post": "configure"},
    "agent_edit": {"get": "view_config", "post": "configure"},
    "agent_tool_add": {"post": "configure"},
    "agent_tool_remove": {"post": "configure"},
    "agent_run": {"post": "run"},
    "agent_run_live": {"get": "view_logs"},
    "invocations": {"get": "view_logs"},
    "invocation_detail": {"get": "view_logs"},
    "invocation_live": {"get": "view_logs"},
    "audit": {"get": "view_audit"},
    "validation": {"get": "view_logs"},
    "outbound_detail": {"get": "view_logs"},
    "settings_home": {"get": "view_governance", "post": "govern"},
    "settings": {"get": "view_governance", "post": "govern"},
    "settings_edit": {"get": "govern", "post": "govern"},
    "settings_remove": {"post": "govern"},
    "pattern_try": {"post": "govern"},
    "overview": {"get": "view_logs"},
    "usage": {"get": "view_logs"},
    "usage_csv": {"get": "view_logs"},
    "health": {"get": "view_logs"},
    "health_detail": {"get": "view_logs"},
    "validation_share": {"get": "view_logs"},
    "alerts": {"get": "view_logs"},
    "alert_history": {"get": "view_logs"},
    "alert_rule_new": {"get": "configure", "post": "configure"},
    "alert_rule_edit": {"get": "configure", "post": "configure"},
    "alert_channel_new": {"get": "configure", "post": "configure"},
    "alert_channel_edit": {"get": "configure", "post": "configure"},
    "alert_channel_test": {"post": "configure"},
    # A scraper's, not a person's: its bearer token (none set here) or nothing.
    "metrics": {"get": "token"},
}
# Existing objects where a page needs one to show (the rest use missing ones).
CONSOLE_KWARGS = {
    "kind": "azure_openai",
    "key": "incident_summarization",
    "section": "guardian",
}


def _routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, str, URLPattern]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if "admin" not in str(p.pattern):
                found += _routes(p.url_patterns, prefix + str(p.pattern))
        elif p.name and "format" not in str(p.pattern):
            found.append((prefix, p.name, p))
    return found


def _methods(pattern: URLPattern) -> set[str]:
    """The methods a route answers other than HEAD/OPTIONS (and PUT, which the API refuses)."""
    view = pattern.callback
    actions = getattr(view, "actions", None)
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    allowed = set(getattr(cls, "http_method_names", ["get", "post"])) - {"head", "options", "put"}
    if actions:
        return set(actions) & allowed
    if cls is not None:
        return {m for m in allowed if hasattr(cls, m)}
    return set()


def _url(name: str, pattern: URLPattern, existing: dict[str, str]) -> str:
    from django.urls import reverse

    kwargs = {}
    for key in pattern.pattern.regex.groupindex:
        if key in existing:
            kwargs[key] = existing[key]
        elif "uuid" in str(pattern.pattern) or "0-9a-fA-F]{8}" in str(pattern.pattern):
            kwargs[key] = MISSING_UUID
        else:
            kwargs[key] = MISSING_ID
    return reverse(name, kwargs=kwargs)


def _by_name(prefix: str) -> dict[str, URLPattern]:
    return {
        name: pattern
        for where, name, pattern in _routes(get_resolver().url_patterns)
        if where.startswith(prefix)
    }


def test_every_api_route_and_method_has_a_row() -> None:
    routes = _by_name("api/")
    assert set(routes) == set(API)
    for name, pattern in routes.items():
        methods = _methods(pattern) or {"get"}
        assert methods == set(API[name]), name


def test_every_console_page_has_a_row() -> None:
    assert set(_by_name("")) - set(_by_name("api/")) == set(CONSOLE)


def _got_past_the_check(code: int) -> bool:
    return code not in {401, 403, 405} and code < 500


def _client(who: str, request: pytest.FixtureRequest) -> Client:
    client = Client()
    if who != ANON:
        client.force_login(request.getfixturevalue(who))
    return client


@pytest.mark.parametrize(
    ("name", "method"), [(n, m) for n, methods in API.items() for m in methods]
)
def test_the_api_matrix(demo, request, name: str, method: str) -> None:
    pattern = _by_name("api/")[name]
    url = _url(name, pattern, {})
    allowed = CAN[API[name][method]]
    for who in WHO:
        response = getattr(_client(who, request), method)(
            url, data="{}" if method != "get" else None, content_type="application/json"
        )
        code = response.status_code
        if who == ANON:
            assert code in {401, 403} or (code == 302 and "/login/" in response["Location"]), (
                who,
                code,
            )
        elif who in allowed:
            assert _got_past_the_check(code), (who, method, code)
        else:
            assert code == 403, (who, method, code)


@pytest.mark.parametrize(
    ("name", "method"), [(n, m) for n, methods in CONSOLE.items() for m in methods]
)
def test_the_console_matrix(demo, request, name: str, method: str) -> None:
    pattern = _by_name("")[name]
    url = _url(name, pattern, CONSOLE_KWARGS)
    capability = CONSOLE[name][method]
    for who in WHO:
        response = getattr(_client(who, request), method)(url, {})
        code = response.status_code
        if capability == "public":
            assert code < 400 or code == 405, (who, code)
            continue
        if capability == "token":
            assert code in {401, 403}, (who, code)
            continue
        if who == ANON:
            assert code == 302, (who, code)
            assert "/login/" in response["Location"]
        elif who in CAN[capability]:
            assert _got_past_the_check(code), (who, method, code)
            if code == 302:
                assert "/login/" not in response["Location"], who
        else:
            assert code == 403, (who, method, code)
