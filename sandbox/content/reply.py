"""Deciding the reply to a :class:`~sandbox.content.prompt.Prompt`: a tool call, an answer to
a tool result, JSON or text, with its token counts. This is the one place that decides what
every provider answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sandbox.content.prompt import Prompt, Tool
from sandbox.content.schema import fill_schema
from sandbox.content.stopwords import STOPWORDS
from sandbox.content.text import count_tokens, first_sentence, key_terms, truncate, words


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
