"""The provider-neutral request every protocol parser produces: a :class:`Prompt` and its
:class:`Tool` declarations, and the :class:`Transcript` the parsers fill turn by turn to build
it. Kept apart so the parsers and the reply logic share one shape, and the rule for which
turn is "the question" is written once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def digest(text: str) -> str:
    """A short name for a prompt's text (SHA-256, 16 hex digits): the request log says which
    prompt a request carried without keeping what it says."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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

    @property
    def digest(self) -> str:
        """The latest user turn's :func:`digest`: retries of one request share it."""
        return digest(self.user_text)

    def call_id(self, name: str, prefix: str, length: int) -> str:
        """A stable id for a tool call answering this prompt: the same prompt, the same id."""
        digest = hashlib.sha256(f"{name}\n{self.user_text}".encode()).hexdigest()
        return prefix + digest[:length]


@dataclass
class Transcript:
    """A conversation read turn by turn into the fields of a :class:`Prompt`.

    Every text counts for tokens. A turn from the caller's side (the user, or tool results
    sent back) either answers a tool call, when it carries results, or asks a new question,
    whose text becomes the prompt's ``user_text``. Each protocol walks its own message shapes
    and feeds them here.
    """

    texts: list[str] = field(default_factory=list)
    user_text: str = ""
    tool_result: str | None = None
    tool_result_name: str | None = None
    _call_names: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def call(self, arguments: str, *, call_id: str | None = None, name: str = "") -> None:
        """A tool call the model made: its arguments count as text; its id names its result."""
        if call_id is not None:
            self._call_names[call_id] = name
        self.texts.append(arguments)

    def tool_name(self, call_id: str) -> str:
        """The name of the tool an earlier call with this id used ("tool" if unknown)."""
        return self._call_names.get(call_id, "tool")

    def turn(self, texts: list[str], results: list[tuple[str, str]], *, from_caller: bool) -> None:
        """One message: its texts, then its tool results as ``(tool name, result text)``."""
        self.texts.extend(texts)
        self.texts.extend(text for _, text in results)
        if not from_caller:
            return
        if results:
            self.tool_result_name, self.tool_result = results[-1]
        else:
            self.tool_result = self.tool_result_name = None
            self.user_text = "\n".join(texts)

    def prompt(self, **fields: Any) -> Prompt:
        """The prompt: the conversation as read so far, plus the request's other fields."""
        return Prompt(
            user_text=self.user_text,
            all_text="\n".join(self.texts),
            tool_result=self.tool_result,
            tool_result_name=self.tool_result_name,
            **fields,
        )
