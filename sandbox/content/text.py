"""Reading and cutting prompt text: words and key terms, the first sentence, the token
estimate every provider reports, truncation to a token budget and streaming pieces. The
other content modules build on these."""

from __future__ import annotations

import math
import re
from collections import Counter

from sandbox.content.stopwords import STOPWORDS

_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'_\-\.]*[A-Za-z0-9]|[A-Za-z0-9]")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_LABEL_RE = re.compile(r"^[A-Z][A-Za-z ]{0,40}:\s+(\S.*)$")
_INSTRUCTION_RE = re.compile(
    r"^(summari[sz]e|write|draft|generate|classify|analy[sz]e|translate|extract|explain|"
    r"describe|create|recommend|answer|review|reply|rate|assess)\b",
    re.I,
)


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


def truncate(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """Cut the text to at most ``max_tokens`` (by the same words * 1.3 estimate)."""
    if max_tokens is None or count_tokens(text) <= max_tokens:
        return text, False
    keep = max(1, math.floor(max_tokens / 1.3))
    while keep > 1 and count_tokens(" ".join(text.split()[:keep])) > max_tokens:
        keep -= 1
    return " ".join(text.split()[:keep]), True


def split_chunks(text: str, size: int = 3) -> list[str]:
    """Split text into streaming deltas of ``size`` words, keeping the spaces."""
    tokens = re.findall(r"\S+\s*", text)
    if not tokens:
        return [text] if text else []
    lead = text[: len(text) - len(text.lstrip())]
    chunks = ["".join(tokens[i : i + size]) for i in range(0, len(tokens), size)]
    chunks[0] = lead + chunks[0]
    return chunks


def split_even(text: str, parts: int) -> list[str]:
    """Cut a string (a tool call's JSON arguments) into at most ``parts`` streaming pieces."""
    step = max(1, len(text) // parts + 1)
    return [text[start : start + step] for start in range(0, len(text), step)]
