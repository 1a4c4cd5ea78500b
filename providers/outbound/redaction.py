"""Redaction: the one way credentials are removed from every stored or shown provider text
(outbound records, error messages, connection-test diagnoses)."""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

REDACTED = "[REDACTED]"

SENSITIVE_HEADERS = frozenset(
    {
        "api-key",
        "authorization",
        "proxy-authorization",
        "x-goog-api-key",
        "x-amz-security-token",
        "x-api-key",
        "cookie",
        "set-cookie",
        "ocp-apim-subscription-key",
    }
)
SENSITIVE_QUERY = frozenset(
    {
        "key",
        "api-key",
        "api_key",
        "access_token",
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-credential",
        "signature",
        "sig",
        "token",
    }
)
# Credential parameters in a query string, a form body or a URL quoted in an error message
# (`…:generateContent?key=…`): their values go whatever they hold.
_SECRET_PARAMS = re.compile(
    r"((?:^|[?&])(?:"
    + "|".join(
        re.escape(n)
        for n in sorted(SENSITIVE_QUERY | {"assertion", "client_secret", "refresh_token"})
    )
    + r")=)[^&#\s\"'<>]*",
    re.IGNORECASE,
)
# JSON members whose values are credentials wherever they appear (token exchange bodies).
_SECRET_JSON_MEMBERS = re.compile(
    r'("(?:access_token|id_token|refresh_token|private_key|client_secret|assertion)"\s*:\s*")'
    r'((?:[^"\\]|\\.)*)(")'
)
# STS answers temporary credentials in XML (query protocol).
_SECRET_XML_ELEMENTS = re.compile(r"(<(SecretAccessKey|SessionToken)>)[^<]*(</\2>)")
_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
)


#: A secret at least this long is removed wherever it occurs, even inside a longer word.
SUBSTRING_MIN = 6
_SERVICE_ACCOUNT_SECRETS = ("private_key", "private_key_id", "client_secret", "refresh_token")


def secret_values(secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """Every string that must never be stored: each secret, whatever its length, and the
    secret parts of a JSON secret (a service-account key), each in the forms it is sent in
    (as typed, escaped inside a JSON string, percent-encoded in a URL)."""
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str):
            if value:
                found.update(_forms(value))
            with contextlib.suppress(ValueError, TypeError):
                parsed = json.loads(value)
                if isinstance(parsed, dict):
                    add(parsed)
        elif isinstance(value, dict):
            for key in _SERVICE_ACCOUNT_SECRETS:
                add(value.get(key))

    for value in secrets.values():
        add(value)
    # Longest first, so a secret containing another is replaced whole.
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def _forms(value: str) -> set[str]:
    return {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value, safe="")}


def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation: long secrets anywhere, short ones only as a whole word."""
    parts = []
    for secret in sorted(secrets, key=lambda v: (-len(v), v)):
        if not secret.strip():
            continue  # only spaces: matched as a whole value (`Redactor.value`), not in text
        escaped = re.escape(secret)
        parts.append(escaped if len(secret) >= SUBSTRING_MIN else rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True)
class Redactor:
    """Removes credentials from headers, query strings, bodies and messages: the one
    redaction every stored or shown provider text goes through (outbound records, error
    messages, connection-test diagnoses).

    The rule, applied in this order:

    1. **Credential places**, whatever they hold: the values of credential headers
       (`SENSITIVE_HEADERS`; an AWS SigV4 `Authorization` keeps its credential scope and
       loses its signature), of credential query or form parameters (`SENSITIVE_QUERY`,
       `assertion`, `client_secret`, `refresh_token`, also inside a URL quoted in a
       message), of credential JSON members (`private_key`, `access_token`, …), of STS's
       `SecretAccessKey` and `SessionToken` elements, and PEM private-key blocks.
    2. **The connection's own secrets**, by value, whatever their length, in each form they
       are sent in (`secret_values`):
       - a secret of `SUBSTRING_MIN` (6) characters or more is replaced wherever it occurs;
       - a shorter one is replaced where it stands as a whole word: not preceded or
         followed by a letter, digit or underscore. `ab1` goes in `key ab1.`, `"ab1"`,
         `=ab1&`, `/ab1/` or a header whose value is `ab1`, but not in `cab1e`;
       - a header or query value that *is* a secret (as is, or trimmed) is replaced whole,
         so even a secret of only punctuation or spaces is caught where it is sent (one of
         only spaces is looked for nowhere else: it would match between any two words).

    Why short secrets are matched as words only: replacing every occurrence of a one- or
    two-character secret would erase that letter from all text and make records and
    messages unreadable, while a fragment inside a longer word does not reveal which
    characters the secret is. Real provider keys are far longer than `SUBSTRING_MIN` and
    are removed everywhere.
    """

    secrets: tuple[str, ...] = ()

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        return _secret_pattern(self.secrets)

    @functools.cached_property
    def _whole(self) -> frozenset[str]:
        return frozenset(self.secrets) | (frozenset(s.strip() for s in self.secrets) - {""})

    def text(self, value: str) -> str:
        if not value:
            return value
        if self._pattern is not None:
            value = self._pattern.sub(REDACTED, value)
        value = _PEM_BLOCK.sub(REDACTED, value)
        value = _SECRET_JSON_MEMBERS.sub(lambda m: m.group(1) + REDACTED + m.group(3), value)
        value = _SECRET_XML_ELEMENTS.sub(lambda m: m.group(1) + REDACTED + m.group(3), value)
        return _SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, value)

    def value(self, value: str) -> str:
        """A header or parameter value: whole when it is a secret, else as text."""
        if value in self._whole or value.strip() in self._whole:
            return REDACTED
        return self.text(value)

    def headers(self, headers: Iterable[tuple[Any, Any]]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for name, value in headers:
            if isinstance(name, bytes):
                name = name.decode("latin-1")
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            lower = name.lower()
            if lower in SENSITIVE_HEADERS:
                if lower == "authorization" and value.startswith("AWS4-HMAC-SHA256"):
                    # Keep the credential scope (key id, date, region); drop the signature.
                    value = re.sub(r"Signature=[0-9a-f]+", "Signature=" + REDACTED, value)
                    clean[lower] = self.text(value)
                else:
                    clean[lower] = REDACTED
            else:
                clean[lower] = self.value(value)
        return clean

    def query(self, query: str) -> str:
        if not query:
            return ""
        pairs = [
            (k, REDACTED if k.lower() in SENSITIVE_QUERY else self.value(v))
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        return urlencode(pairs, safe="[]")
