"""Embedding vectors: deterministic unit vectors from the text, and the base64 packing the
openai SDK asks for. Apart from the chat logic because only the embedding routes use them."""

from __future__ import annotations

import base64
import hashlib
import math
import struct


def embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector from the SHA-256 stream of the text."""
    raw = hashlib.shake_256(text.encode("utf-8")).digest(dimensions * 2)
    ints = struct.unpack(f"<{dimensions}h", raw)
    vector = [i / 32768.0 for i in ints]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def embedding_base64(vector: list[float]) -> str:
    """Little-endian float32, base64: the encoding the openai SDK asks for by default."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
