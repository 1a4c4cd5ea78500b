"""The embedding models and their answers: embedContent and batchEmbedContents on the Gemini
API, predict on Vertex AI."""

from __future__ import annotations

from typing import Any

from sandbox import content
from sandbox.gemini.generate import parts_text

EMBEDDING_DIMENSIONS = {"gemini-embedding-001": 3072, "text-embedding-005": 768}


def is_embedding_model(model: str) -> bool:
    """An embedding model answers embed methods only; the others answer generate methods."""
    return model in EMBEDDING_DIMENSIONS or "embedding" in model


def _content_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return parts_text(value.get("parts"))
    return ""


def _vector(text: str, model: str, dims: Any) -> list[float]:
    return content.embedding(text, int(dims or EMBEDDING_DIMENSIONS.get(model, 768)))


def embed_response(method: str, body: dict[str, Any], model: str, vertex: bool) -> dict[str, Any]:
    """Answer embedContent, batchEmbedContents or (Vertex) predict."""
    if method == "embedContent":
        text = _content_text(body.get("content"))
        result: dict[str, Any] = {
            "embedding": {"values": _vector(text, model, body.get("outputDimensionality"))}
        }
        if vertex:
            result["usageMetadata"] = {"promptTokenCount": content.count_tokens(text)}
            result["truncated"] = False
        return result
    if method == "batchEmbedContents":
        return {
            "embeddings": [
                {
                    "values": _vector(
                        _content_text(r.get("content")), model, r.get("outputDimensionality")
                    )
                }
                for r in body.get("requests") or []
            ]
        }
    params = body.get("parameters") or {}
    predictions = []
    characters = 0
    for instance in body.get("instances") or []:
        text = _content_text(instance.get("content"))
        characters += len(text)
        predictions.append(
            {
                "embeddings": {
                    "values": _vector(text, model, params.get("outputDimensionality")),
                    "statistics": {"token_count": content.count_tokens(text), "truncated": False},
                }
            }
        )
    return {"predictions": predictions, "metadata": {"billableCharacterCount": characters}}
