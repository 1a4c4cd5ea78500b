"""Deterministic answers, tool calls, token counts and embeddings.

Every protocol module turns its request into a neutral :class:`Prompt` and renders the
:class:`Reply` in its own wire format, so all providers answer the same prompt the same way.
Answers are derived from the prompt (first sentence, key terms) so tests can assert content,
but are never a plain echo of the whole prompt.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "else",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "our",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "please",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "not",
        "no",
        "yes",
        "so",
        "than",
        "too",
        "very",
        "just",
        "also",
        "there",
        "here",
        "all",
        "any",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "both",
        "up",
        "down",
        "out",
        "over",
        "under",
        "again",
        "further",
        "once",
        "give",
        "me",
        "tell",
        "make",
        "get",
        "let",
        "summarize",
        "summarise",
        "summary",
        "following",
        "text",
        "below",
        "above",
        "using",
        "use",
        "write",
        "short",
        "brief",
        "concise",
        "answer",
        "question",
        "reply",
        "respond",
        "classify",
        "categorize",
        "translate",
        "extract",
        "explain",
        "describe",
        "list",
    ]
)

_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'_\-\.]*[A-Za-z0-9]|[A-Za-z0-9]")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_QUOTED_RE = re.compile(r"\"([^\"]{1,80})\"|'([^']{1,80})'|“([^”]{1,80})”")
_NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_PROPER_RE = re.compile(r"(?<=[a-z,;:]\s)([A-Z][a-zA-Z\-]+(?:\s[A-Z][a-zA-Z\-]+)*)")


@dataclass
class Tool:
    name: str
    description: str = ""
    schema: dict[str, Any] = field(default_factory=dict)


@dataclass
class Prompt:
    """A provider-neutral view of a chat request."""

    system: str = ""
    user_text: str = ""  # the latest user turn's text
    all_text: str = ""  # every text of the conversation, for token counting
    tools: list[Tool] = field(default_factory=list)
    tool_result: str | None = None  # set when the last turn is a tool result
    tool_result_name: str | None = None
    max_tokens: int | None = None
    json_mode: bool = False
    json_schema: dict[str, Any] | None = None
    forced_tool: str | None = None  # tool_choice naming one tool
    tool_choice_none: bool = False


@dataclass
class Reply:
    text: str | None
    tool_name: str | None = None
    tool_args: dict[str, Any] | None = None
    finish: str = "stop"  # stop | length | tool
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def count_tokens(text: str) -> int:
    """Token estimate used everywhere: words * 1.3, rounded (at least 1 for non-empty text)."""
    words = len(text.split())
    if not words:
        return 0
    return max(1, round(words * 1.3))


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def key_terms(text: str, limit: int = 5) -> list[str]:
    """Most frequent non-stopword words, ties broken by first occurrence."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    original: dict[str, str] = {}
    for index, word in enumerate(words(text)):
        low = word.lower().strip(".")
        if len(low) < 3 or low in STOPWORDS or low.isdigit():
            continue
        counts[low] += 1
        first_seen.setdefault(low, index)
        original.setdefault(low, word.strip("."))
    ranked = sorted(counts, key=lambda w: (-counts[w], first_seen[w]))
    return [original[w] for w in ranked[:limit]]


def first_sentence(text: str, max_words: int = 30) -> str:
    """The first sentence of the content (after a leading instruction, if any).

    A labelled first line ("Short description: Email down") gives its value, so a summary of
    a structured record leads with what the record is about.
    """
    body = _content_body(text).strip()
    line = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    labelled = _LABEL_RE.match(line)
    if labelled:
        line = labelled.group(1)
    sentence = _SENTENCE_RE.split(line, maxsplit=1)[0].strip() if line else ""
    parts = sentence.split()
    if len(parts) > max_words:
        sentence = " ".join(parts[:max_words]) + " …"
    return sentence


_LABEL_RE = re.compile(r"^[A-Z][A-Za-z ]{0,40}:\s+(\S.*)$")
_INSTRUCTION_RE = re.compile(
    r"^(summari[sz]e|write|draft|generate|classify|analy[sz]e|translate|extract|explain|"
    r"describe|create|recommend|answer|review|reply|rate|assess)\b",
    re.I,
)


def _content_body(text: str) -> str:
    """Drop an instruction ("Summarize this incident.", "Summarize the following:")."""
    stripped = text.strip()
    paragraphs = re.split(r"\n\s*\n", stripped, maxsplit=1)
    if len(paragraphs) == 2 and _INSTRUCTION_RE.match(paragraphs[0]):
        return paragraphs[1]
    match = re.match(r"^[^\n:]{0,120}:\s*\n?(.+)$", stripped, flags=re.DOTALL)
    if match and re.search(
        r"summar|following|text|translate|classif|extract", match.group(0)[:120], re.I
    ):
        return match.group(1)
    lines = stripped.split("\n", 1)
    if len(lines) == 2 and lines[0].rstrip().endswith(":"):
        return lines[1]
    return stripped


def _intent(text: str) -> str:
    low = text.lower()
    if re.match(r"^\s*(hi|hello|hey|good (morning|afternoon|evening))\b", low) and len(low) < 40:
        return "greeting"
    if re.search(r"summar|tl;?dr|recap", low):
        return "summary"
    if re.search(r"classif|categor|sentiment|priority", low):
        return "classify"
    if re.search(r"translat", low):
        return "translate"
    if low.rstrip().endswith("?") or re.match(
        r"^(what|how|why|when|where|who|which|is|are|can)\b", low
    ):
        return "question"
    return "general"


def _sentiment(text: str) -> str:
    low = text.lower()
    negative = sum(
        low.count(w) for w in ("error", "fail", "down", "outage", "angry", "broken", "bad")
    )
    positive = sum(low.count(w) for w in ("thank", "great", "good", "resolved", "happy", "works"))
    if negative > positive:
        return "negative"
    if positive > negative:
        return "positive"
    return "neutral"


def compose_text(prompt: Prompt) -> str:
    """A useful, deterministic answer derived from the prompt."""
    text = prompt.user_text or prompt.all_text
    terms = key_terms(text)
    sentence = first_sentence(text)
    intent = _intent(text)
    term_list = ", ".join(terms) if terms else "the request"
    if intent == "summary":
        return f"Summary: {sentence} Key points: {term_list}."
    if intent == "classify":
        return (
            f"Classification: {terms[0] if terms else 'general'} "
            f"(sentiment: {_sentiment(text)}). Key terms: {term_list}."
        )
    if intent == "greeting":
        return "Hello! I am the sandbox assistant. How can I help you today?"
    if intent == "translate":
        return f"Translation (sandbox): {sentence}"
    # Quote the first sentence only when it is not the whole prompt: never a plain echo.
    context = f" Context: {sentence}" if sentence and sentence != " ".join(text.split()) else ""
    if intent == "question":
        return f"Answer about {term_list}: the key factors are {term_list}.{context}"
    return f"Response about {term_list}: noted {len(text.split())} words on {term_list}.{context}"


def compose_json(prompt: Prompt) -> str:
    """Valid JSON: filled from the schema when one is given, else a fixed summary object."""
    text = prompt.user_text or prompt.all_text
    if prompt.json_schema:
        return json.dumps(fill_schema(prompt.json_schema, text), ensure_ascii=False)
    return json.dumps(
        {
            "summary": first_sentence(text),
            "key_terms": key_terms(text),
            "sentiment": _sentiment(text),
            "word_count": len(text.split()),
        },
        ensure_ascii=False,
    )


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


def choose_tool(tools: list[Tool], text: str) -> Tool:
    """The tool whose name shares most words with the prompt, else the first one."""
    prompt_words = {w.lower() for w in words(text)}
    best, best_score = tools[0], 0
    for tool in tools:
        parts = [p for p in re.split(r"[_\-\s.]+|(?<=[a-z])(?=[A-Z])", tool.name) if len(p) > 2]
        score = sum(1 for p in parts if p.lower() in prompt_words and p.lower() not in STOPWORDS)
        if score > best_score:
            best, best_score = tool, score
    return best


def truncate(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """Cut the text to at most ``max_tokens`` (by the same words * 1.3 estimate)."""
    if max_tokens is None or count_tokens(text) <= max_tokens:
        return text, False
    keep = max(1, math.floor(max_tokens / 1.3))
    while keep > 1 and count_tokens(" ".join(text.split()[:keep])) > max_tokens:
        keep -= 1
    return " ".join(text.split()[:keep]), True


def prompt_tokens(prompt: Prompt) -> int:
    """Input tokens: conversation text, system text and tool declarations."""
    total = count_tokens(prompt.all_text or prompt.user_text) + count_tokens(prompt.system)
    for tool in prompt.tools:
        total += count_tokens(f"{tool.name} {tool.description}")
    return max(total, 1)


def respond(prompt: Prompt) -> Reply:
    """Decide the reply: a tool call, a tool-result answer, JSON or text; count tokens."""
    input_tokens = prompt_tokens(prompt)
    if prompt.tools and prompt.tool_result is None and not prompt.tool_choice_none:
        tool = next((t for t in prompt.tools if t.name == prompt.forced_tool), None)
        tool = tool or choose_tool(prompt.tools, prompt.user_text or prompt.all_text)
        args = fill_schema(
            tool.schema or {}, prompt.user_text or prompt.all_text, required_only=True
        )
        if not isinstance(args, dict):
            args = {}
        return Reply(
            text=None,
            tool_name=tool.name,
            tool_args=args,
            finish="tool",
            prompt_tokens=input_tokens,
            completion_tokens=max(1, count_tokens(json.dumps(args)) + 5),
        )
    if prompt.tool_result is not None:
        result = " ".join(prompt.tool_result.split())
        if len(result) > 300:
            result = result[:300] + " …"
        name = prompt.tool_result_name or "tool"
        text = f"Based on the {name} result: {result}"
    elif prompt.json_mode or prompt.json_schema:
        text = compose_json(prompt)
        # JSON must stay valid: it is never truncated by max tokens.
        return Reply(text=text, prompt_tokens=input_tokens, completion_tokens=count_tokens(text))
    else:
        text = compose_text(prompt)
    text, cut = truncate(text, prompt.max_tokens)
    return Reply(
        text=text,
        finish="length" if cut else "stop",
        prompt_tokens=input_tokens,
        completion_tokens=count_tokens(text),
    )


def split_chunks(text: str, size: int = 3) -> list[str]:
    """Split text into streaming deltas of ``size`` words, keeping the spaces."""
    tokens = re.findall(r"\S+\s*", text)
    if not tokens:
        return [text] if text else []
    lead = text[: len(text) - len(text.lstrip())]
    chunks = ["".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]
    chunks[0] = lead + chunks[0]
    return chunks


def embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector from the SHA-256 stream of the text."""
    raw = hashlib.shake_256(text.encode("utf-8")).digest(dimensions * 2)
    ints = struct.unpack(f"<{dimensions}h", raw)
    vector = [i / 32768.0 for i in ints]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def embedding_base64(vector: list[float]) -> str:
    """Little-endian float32, base64: the encoding the openai SDK asks for by default."""
    import base64

    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
