"""OpenAI-compatible LLMs: the chat-completions / embeddings wire format, and the ``/v1/...``
API of the platform ``now_llm`` service and of a generic LLM (Bearer keys, or a gateway's own
key header).

Azure OpenAI speaks the same format with a few additions (content-filter results, the first
prompt-filter chunk when streaming, ``model`` = real model version), so the format modules
(:mod:`.chat_request`, :mod:`.chat_response`, :mod:`.embeddings`) take ``azure=True`` for
those and :mod:`sandbox.azure` uses them too; :mod:`.routes` serves the ``/v1`` API.
"""

from __future__ import annotations

PROVIDER = "openai_compatible"
