"""Reading a chat-completions request: the checks the real API makes before it answers,
and the turn into the neutral :class:`~sandbox.content.Prompt`. Shared by Azure and the ``/v1``
API."""

from __future__ import annotations

from typing import Any

from sandbox import content


def _text_of(value: Any) -> str:
    """Message content: a string or a list of parts (only text parts count)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if isinstance(part, dict) and part.get("type") in ("text", "input_text"):
                texts.append(str(part.get("text", "")))
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    return str(value)


def validate_chat(body: dict[str, Any]) -> str | None:
    """Return an error message for a request the real API would reject, else None."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return (
            "'messages' is a required property"
            if messages is None
            else ("[] is too short - 'messages'")
        )
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
            "function",
        ):
            return f"Invalid value for 'messages[{index}].role'."
    return None


def parse_chat(body: dict[str, Any]) -> content.Prompt:
    """Turn a chat-completions request into the neutral prompt."""
    system_parts: list[str] = []
    transcript = content.Transcript()
    for message in body.get("messages") or []:
        role = message.get("role")
        text = _text_of(message.get("content"))
        if role in ("system", "developer"):
            system_parts.append(text)
        elif role in ("tool", "function"):
            name = message.get("name") or transcript.tool_name(message.get("tool_call_id", ""))
            transcript.turn([], [(name, text)], from_caller=True)
        else:
            transcript.turn([text], [], from_caller=role == "user")
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                transcript.call(
                    str(function.get("arguments", "")),
                    call_id=call.get("id", ""),
                    name=function.get("name", ""),
                )
    tools = []
    for tool in body.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("name"):
            tools.append(
                content.Tool(
                    name=function["name"],
                    description=function.get("description") or "",
                    schema=function.get("parameters") or {},
                )
            )
    for function in body.get("functions") or []:
        tools.append(
            content.Tool(
                function["name"],
                function.get("description") or "",
                function.get("parameters") or {},
            )
        )
    choice = body.get("tool_choice")
    forced = None
    if isinstance(choice, dict):
        forced = (choice.get("function") or {}).get("name")
    response_format = body.get("response_format") or {}
    schema = None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    return transcript.prompt(
        system="\n".join(system_parts),
        tools=tools,
        max_tokens=int(max_tokens) if max_tokens else None,
        json_mode=response_format.get("type") == "json_object",
        json_schema=schema,
        forced_tool=forced,
        tool_choice_none=choice == "none",
    )
