"""The one strict reader of JSON from outside: API bodies, pasted keys, imported documents.

Python's `json` takes more than the console should take from a caller, and some of it
ends as a 500 (or, with DEBUG on, a debug page that may show a secret):

- nesting deeper than `JSON_MAX_DEPTH`: the parser recurses once per level, and 100,000
  `[` raise RecursionError. The depth is counted first, without recursion;
- a key given twice (`{"a": 1, "a": 2}`): `json` silently keeps the last one;
- `NaN`, `Infinity`, and numbers a float cannot hold (`1e400` reads as infinity);
- whole numbers beyond 64 bits: no database column holds them (SQLite raises
  OverflowError, PostgreSQL a DataError);
- text that is not UTF-8, and escapes to text no database keeps the same: a lone
  surrogate (`\\ud800`) and NUL (`\\u0000`), both refused by PostgreSQL.

`loads` raises `MalformedJSON` (a ValueError) saying which rule was broken; its message
never quotes a value, except the name of a duplicated key. `StrictJSONParser` is DRF's
parser on top of it, with the body limit: 400 `{code, detail}` for malformed JSON, 413 for
a body over the limit (`body_limit`).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from core.errors import ErrorCode

__all__ = [
    "MAX_INT",
    "MIN_INT",
    "BodyTooLarge",
    "MalformedJSON",
    "StrictJSONParser",
    "body_limit",
    "loads",
    "too_large_message",
]

MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
_INT_DIGITS = len(str(MIN_INT))  # longer number texts are out of range without reading them

# A JSON string (escapes included) or one bracket: strings are skipped whole, so a bracket
# inside one is not counted.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class MalformedJSON(ValueError):
    """Text that is not JSON the console accepts: `Not valid JSON (reason).`

    `reason` names the rule broken and where, for a caller's own line (`file: not valid
    JSON (reason)`); `unquoted_reason` is the same without a duplicated key's name, for text
    that is a secret.
    """

    def __init__(self, reason: str, *, unquoted_reason: str | None = None) -> None:
        super().__init__(f"Not valid JSON ({reason}).")
        self.reason = reason
        self.unquoted_reason = unquoted_reason or reason


def loads(text: str | bytes) -> Any:
    """Parse JSON text strictly (see the module's rules); raise `MalformedJSON` otherwise.

    Bytes must be UTF-8 (a byte-order mark is refused, as RFC 8259 asks).
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedJSON(f"not UTF-8 text, at byte {exc.start}") from None
    elif _has_surrogate(text):
        raise MalformedJSON("a lone surrogate in the text")
    _check_depth(text, settings.JSON_MAX_DEPTH)
    try:
        value = _DECODER.decode(text)  # the hooks below raise MalformedJSON themselves
    except RecursionError:  # unreachable after the depth check; never a 500 all the same
        raise MalformedJSON("nested too deeply") from None
    except json.JSONDecodeError as exc:  # says where, never what
        raise MalformedJSON(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if "\\u" in text:  # escapes are the only way to write NUL or a lone surrogate
        _check_escaped_text(value)
    return value


def _check_depth(text: str, most: int) -> None:
    """Refuse nesting deeper than `most`, counting brackets outside strings (no recursion)."""
    if text.count("[") + text.count("{") <= most:
        return
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > most:
                raise MalformedJSON(f"nested more than {most} levels deep")
        elif token in ("]", "}"):
            depth -= 1


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                shown = key if len(key) <= 64 else key[:61] + "..."
                raise MalformedJSON(
                    f"duplicate key {shown!r} in an object",
                    unquoted_reason="a key appears twice in an object",
                )
            seen.add(key)
    return obj


def _no_constant(name: str) -> Any:
    raise MalformedJSON(f"{name} is not a number in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedJSON("a number too large for a floating-point value")
    return value


def _bounded_int(text: str) -> int:
    if len(text) <= _INT_DIGITS:
        value = int(text)
        if MIN_INT <= value <= MAX_INT:
            return value
    raise MalformedJSON(f"a whole number beyond 64 bits, from {MIN_INT} to {MAX_INT}")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_escaped_text(value: Any) -> None:
    """Refuse NUL and lone surrogates in any key or string (walked without recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            texts: list[Any] = [item]
        elif isinstance(item, Mapping):
            texts = list(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
            continue
        else:
            continue
        for text in texts:
            if "\x00" in text:
                raise MalformedJSON("NUL (\\u0000) in a text")
            if _has_surrogate(text):
                raise MalformedJSON("a lone surrogate (\\ud800-\\udfff) in a text")


# Built once: a decoder keeps no state between calls, so threads share it.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_keys,
    parse_constant=_no_constant,
    parse_float=_finite_float,
    parse_int=_bounded_int,
)


# -- the API's side ------------------------------------------------------------------------


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = ErrorCode.REQUEST_TOO_LARGE


def body_limit(view: Any = None) -> int:
    """The largest body `view` accepts, in bytes: `BYOK_MAX_BODY_BYTES`, unless the view
    names another setting in `body_limit_setting` (the configuration import does)."""
    name = getattr(view, "body_limit_setting", None) or "BYOK_MAX_BODY_BYTES"
    limit: int = getattr(settings, name)
    return limit


def too_large_message(limit: int) -> str:
    return f"The request body is larger than this endpoint accepts ({limit:,} bytes at most)."


def _refusal(code: str, detail: str) -> dict[str, str]:
    return {"code": code, "detail": detail}


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, reading through `loads` and refusing a body over `body_limit`."""

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        context = parser_context or {}
        limit = body_limit(context.get("view"))
        encoding = context.get("encoding") or settings.DEFAULT_CHARSET
        try:
            utf8 = codecs.lookup(encoding).name == "utf-8"
        except LookupError:
            utf8 = False
        if not utf8:
            raise ParseError(
                _refusal(ErrorCode.MALFORMED_REQUEST, "JSON bodies must be UTF-8 (RFC 8259).")
            )
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(_refusal(ErrorCode.REQUEST_TOO_LARGE, too_large_message(limit)))
        try:
            return loads(raw)
        except MalformedJSON as exc:
            raise ParseError(_refusal(ErrorCode.MALFORMED_REQUEST, str(exc))) from None
