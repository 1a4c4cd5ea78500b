"""Every response carries the security headers, pages carry no inline code, the schema and
the docs need a login, and neither the Host header nor a forged X-Forwarded-Proto decides
anything.

The URL walk reads the project's URL patterns, so a page or endpoint added later is checked
without a change here.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve

from core.headers import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
STATIC_DIR = Path(settings.BASE_DIR) / "static"


# A fixed id: parametrised test ids must be the same in every test process.
SOME_UUID = str(uuid.UUID(int=0xB10C))


def _candidates(match: re.Match[str]) -> list[str]:
    """Values to try for one URL parameter, the likeliest first."""
    converter, _, name = match.group(1).rpartition(":")
    if converter == "uuid":
        return [SOME_UUID]
    if name == "app_label":
        return ["providers"]
    if converter in {"int", "path"} or name in {"pk", "id", "object_id", "content_type_id"}:
        return ["1", SOME_UUID, "x"]
    return ["x", "1"]


def _fill(pattern: str) -> str:
    """`pattern` with each parameter set to the first value that makes the URL resolve (a
    router's `<pk>` may take an integer or a UUID)."""
    for attempt in range(3):

        def value(match: re.Match[str], attempt: int = attempt) -> str:
            options = _candidates(match)
            return options[min(attempt, len(options) - 1)]

        url = re.sub(r"<([^>]+)>", value, pattern)
        try:
            resolve(url)
        except Resolver404:
            continue
        return url
    raise AssertionError(f"no sample value resolves {pattern}")


def every_url() -> list[str]:
    """Each URL pattern of the project, its parameters filled with a value it accepts."""
    paths = {
        simplify_regex(regex)
        for _view, regex, _ns, _name in extract_views_from_urlpatterns(get_resolver().url_patterns)
    }
    return sorted({_fill(p) for p in paths})


URLS = every_url()


def assert_security_headers(response: Any, where: str) -> None:
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["X-Content-Type-Options"] == "nosniff", where


def test_the_walk_covers_the_console_the_api_and_the_admin() -> None:
    for expected in ("/", "/connections/new/", "/api/v1/connections/", "/api/v1/schema/"):
        assert expected in URLS
    assert any(u.startswith("/django-admin/providers/connection/") for u in URLS)
    assert len(URLS) > 100


def test_the_policy_allows_no_inline_code_and_nothing_from_elsewhere() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY
    assert "*" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("url", URLS)
def test_every_url_answers_with_the_headers(url: str, superuser) -> None:
    anonymous = Client()
    assert_security_headers(anonymous.get(url), f"anonymous {url}")
    signed_in = Client()
    signed_in.force_login(superuser)
    html = signed_in.get(url, HTTP_ACCEPT="text/html")
    assert_security_headers(html, f"superuser {url}")
    if "text/html" in html.get("Content-Type", ""):
        assert_no_inline_script(html.content.decode(), url)
        if not url.startswith("/api/v1/") or url == "/api/v1/docs/":
            # The browsable API's own template has a few style attributes (layout only).
            assert_no_inline_style(html.content.decode(), url)
    assert_security_headers(signed_in.get(url, HTTP_ACCEPT="application/json"), url)


def test_static_files_errors_and_refusals_carry_the_headers(client: Client) -> None:
    assert_security_headers(client.get("/static/css/console.css"), "static")
    assert_security_headers(client.get("/no-such-page/"), "404")
    assert_security_headers(client.get("/login/", HTTP_HOST="evil.example"), "400")
    assert_security_headers(client.post("/logout/"), "csrf 403 or redirect")


# -- no inline code ------------------------------------------------------------------------------

_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def assert_no_inline_script(html: str, where: str) -> None:
    for attributes in _SCRIPT_TAG.findall(html):
        is_data = re.search(r"""type\s*=\s*["']application/json["']""", attributes)
        assert "src=" in attributes or is_data, f"inline <script> on {where}"
    assert not _HANDLER.search(html), f"event-handler attribute on {where}"
    assert not _JS_URL.search(html), f"javascript: URL on {where}"


def assert_no_inline_style(html: str, where: str) -> None:
    assert not _STYLE.search(html), f"inline style on {where}"


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES_DIR.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES_DIR))
)
def test_no_template_holds_inline_code(path: Path) -> None:
    text = path.read_text()
    assert_no_inline_script(text, str(path.name))
    assert_no_inline_style(text, str(path.name))


def test_htmx_is_configured_for_the_policy() -> None:
    """No injected <style>, no eval, no script tags from swapped content."""
    base = (TEMPLATES_DIR / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base
    assert '"allowScriptTags": false' in base
    assert ".htmx-request.htmx-indicator" in (STATIC_DIR / "css" / "console.css").read_text()


# -- schema and docs -------------------------------------------------------------------------------


def test_the_schema_and_docs_need_a_login(client: Client, auditor_user) -> None:
    assert client.get("/api/v1/schema/").status_code == 401
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/login/?next=/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 302
    assert b"schema" not in script.content
    client.force_login(auditor_user)
    assert client.get("/api/v1/schema/").status_code == 200
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"/api/v1/docs/?script=" in page.content
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_a_token_client_reads_the_schema(client_for, operator_user) -> None:
    assert client_for("operator_user").get("/api/v1/schema/").status_code == 200
    assert client_for(None).get("/api/v1/schema/").status_code == 401


# -- Host and X-Forwarded-Proto ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/login/", "/", "/api/v1/connections/", "/django-admin/"])
@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "127.0.0.1.evil.example", "testserver:x"]
)
def test_a_forged_host_is_refused(url: str, host: str, admin_user) -> None:
    client = Client()
    client.force_login(admin_user)
    assert client.get(url, HTTP_HOST=host).status_code == 400
    assert client.post(url, {}, HTTP_HOST=host).status_code == 400


def test_the_allowed_hosts_come_from_the_environment_not_a_wildcard() -> None:
    assert "*" not in settings.ALLOWED_HOSTS
    assert all(not h.startswith(".") for h in settings.ALLOWED_HOSTS)


def test_a_forged_x_forwarded_proto_is_not_trusted_by_default(
    client_for, auditor_user, settings: Any
) -> None:
    assert settings.SECURE_PROXY_SSL_HEADER is None
    forged = {"HTTP_X_FORWARDED_PROTO": "https"}
    client = Client()
    client.force_login(auditor_user)
    assert client.get("/audit/", **forged).wsgi_request.is_secure() is False
    # With Django's own redirect on, the forged header does not stop it: still plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # middleware reads the setting when it is built
    client.force_login(auditor_user)
    redirected = client.get("/audit/", **forged)
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/audit/"


def test_the_configured_proxy_header_is_trusted(auditor_user, settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    client.force_login(auditor_user)
    assert client.get("/audit/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/audit/").status_code == 301
