"""Values for a JSON schema, taken from the prompt's words: the arguments of a tool call and
the body of a JSON reply. Apart from the reply logic because schemas have their own rules
(enums, combinators, nested objects and arrays)."""

from __future__ import annotations

import re
from typing import Any

from sandbox.content.stopwords import STOPWORDS
from sandbox.content.text import first_sentence, key_terms

_QUOTED_RE = re.compile(r"\"([^\"]{1,80})\"|'([^']{1,80})'|“([^”]{1,80})”")
_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_PROPER_RE = re.compile(r"(?<=[a-z,;:]\s)([A-Z][a-zA-Z\-]+(?:\s[A-Z][a-zA-Z\-]+)*)")


def _string_candidates(text: str) -> list[str]:
    """Values for string arguments: quoted strings, then proper nouns, then key terms."""
    found: list[str] = []
    for match in _QUOTED_RE.finditer(text):
        value = next(g for g in match.groups() if g)
        found.append(value)
    found.extend(m.group(1) for m in _PROPER_RE.finditer(text))
    found.extend(key_terms(text, limit=10))
    seen: set[str] = set()
    unique = []
    for value in found:
        if value.lower() not in seen and value.lower() not in STOPWORDS:
            seen.add(value.lower())
            unique.append(value)
    return unique


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "string")
    if kind is None and "properties" in schema:
        kind = "object"
    return str(kind).lower()


def fill_schema(schema: dict[str, Any], text: str, *, required_only: bool = False) -> Any:
    """Fill a JSON schema from prompt words: strings, numbers, enums (first value), arrays."""
    strings = _string_candidates(text)
    numbers = [float(n) for n in _NUMBER_RE.findall(text)]
    state = {"s": 0, "n": 0}

    def next_string(name: str) -> str:
        low = name.lower()
        if any(k in low for k in ("summary", "description", "text", "message", "content", "body")):
            return first_sentence(text) or "sandbox"
        if state["s"] < len(strings):
            value = strings[state["s"]]
            state["s"] += 1
            return value
        return name or "sandbox"

    def next_number(integer: bool) -> float | int:
        value = numbers[state["n"]] if state["n"] < len(numbers) else 1
        state["n"] += 1
        return int(value) if integer else value

    def fill(node: dict[str, Any], name: str, top: bool) -> Any:
        if node.get("enum"):
            return node["enum"][0]
        for combo in ("anyOf", "oneOf", "allOf"):
            if node.get(combo):
                return fill(node[combo][0], name, top)
        kind = _schema_type(node)
        if kind == "object" or "properties" in node:
            props = node.get("properties") or {}
            required = node.get("required") or []
            names = required if (required_only and top and required) else list(props)
            return {p: fill(props.get(p, {}), p, False) for p in names}
        if kind == "array":
            return [fill(node.get("items") or {}, name, False)]
        if kind in ("integer", "number"):
            return next_number(kind == "integer")
        if kind == "boolean":
            return True
        return next_string(name)

    return fill(schema or {}, "", True)
