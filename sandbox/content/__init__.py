"""Deterministic answers, tool calls, token counts and embeddings.

Every protocol module turns its request into a neutral :class:`Prompt` and renders the
:class:`Reply` in its own wire format, so all providers answer the same prompt the same way.
Answers are derived from the prompt (first sentence, key terms) so tests can assert content,
but are never a plain echo of the whole prompt.

This package is the one door the protocol modules use (``from sandbox import content``); the
modules behind it are split by what they do: the neutral types (:mod:`.prompt`), reading and
cutting text (:mod:`.text`, with its :mod:`.stopwords`), filling JSON schemas
(:mod:`.schema`), deciding the reply (:mod:`.reply`) and embedding vectors
(:mod:`.embeddings`).
"""

from __future__ import annotations

from sandbox.content.embeddings import embedding, embedding_base64
from sandbox.content.prompt import Prompt, Tool, Transcript
from sandbox.content.prompt import digest as prompt_digest
from sandbox.content.reply import (
    Reply,
    choose_tool,
    compose_json,
    compose_text,
    prompt_tokens,
    respond,
)
from sandbox.content.schema import fill_schema
from sandbox.content.stopwords import STOPWORDS
from sandbox.content.text import (
    count_tokens,
    first_sentence,
    key_terms,
    split_chunks,
    split_even,
    truncate,
    words,
)

__all__ = [
    "STOPWORDS",
    "Prompt",
    "Reply",
    "Tool",
    "Transcript",
    "choose_tool",
    "compose_json",
    "compose_text",
    "count_tokens",
    "embedding",
    "embedding_base64",
    "fill_schema",
    "first_sentence",
    "key_terms",
    "prompt_digest",
    "prompt_tokens",
    "respond",
    "split_chunks",
    "split_even",
    "truncate",
    "words",
]
