"""The embeddings format: each model's default dimensions and the response body (float lists
or base64). Shared by Azure and the ``/v1`` API."""

from __future__ import annotations

from typing import Any

from sandbox import content

EMBEDDING_DIMENSIONS = {
    "text-embedding-3-large": 3072,
    "text-embedding-3-small": 1536,
    "text-embedding-ada-002": 1536,
    "bge-m3": 1024,
    "now-llm-embed": 1024,
}


def is_embedding_model(model: str) -> bool:
    return "embed" in model or model in EMBEDDING_DIMENSIONS


def embedding_dimensions(model: str) -> int:
    return EMBEDDING_DIMENSIONS.get(model, 1536)


def embeddings_body(
    body: dict[str, Any], model: str, *, default_dimensions: int
) -> tuple[dict[str, Any] | None, str | None]:
    """The embeddings response, or an error message for invalid input."""
    raw_input = body.get("input")
    if raw_input is None or raw_input == "" or raw_input == []:
        return None, "'input' is a required property"
    if isinstance(raw_input, str):
        inputs = [raw_input]
    elif isinstance(raw_input, list) and all(isinstance(i, int) for i in raw_input):
        inputs = [" ".join(str(i) for i in raw_input)]
    elif isinstance(raw_input, list):
        inputs = [i if isinstance(i, str) else " ".join(str(t) for t in i) for i in raw_input]
    else:
        return None, "Invalid type for 'input'."
    dimensions = int(body.get("dimensions") or default_dimensions)
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    tokens = 0
    for index, text in enumerate(inputs):
        vector = content.embedding(text, dimensions)
        tokens += content.count_tokens(text)
        data.append(
            {
                "object": "embedding",
                "index": index,
                "embedding": content.embedding_base64(vector) if as_base64 else vector,
            }
        )
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }, None
