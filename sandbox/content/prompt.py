"""The provider-neutral request every protocol parser produces: a :class:`Prompt` and its
:class:`Tool` declarations. Kept apart so the parsers and the reply logic share one shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
