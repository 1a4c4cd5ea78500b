"""AWS event-stream binary framing (``application/vnd.amazon.eventstream``).

Bedrock's ConverseStream and InvokeModelWithResponseStream answer with this framing; botocore
checks both CRCs, so the encoder must be exact.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

_STRING = 7


def encode_headers(headers: dict[str, str]) -> bytes:
    """Headers as name-len (u8), name, type 7 (string), value-len (u16 BE), value."""
    out = bytearray()
    for name, value in headers.items():
        raw_name = name.encode("utf-8")
        raw_value = value.encode("utf-8")
        out += struct.pack(">B", len(raw_name)) + raw_name
        out += struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    return bytes(out)


def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One message: prelude (total len, headers len, CRC), headers, payload, message CRC."""
    raw_headers = encode_headers(headers)
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + raw_headers + payload
    return body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def event(event_type: str, payload: dict[str, Any]) -> bytes:
    """A JSON event such as ``contentBlockDelta`` or ``chunk``."""
    return encode_message(
        {
            ":event-type": event_type,
            ":content-type": "application/json",
            ":message-type": "event",
        },
        json.dumps(payload, separators=(",", ":")).encode("utf-8"),
    )


def exception(exception_type: str, message: str) -> bytes:
    """An in-stream error, e.g. ``throttlingException`` after some chunks."""
    return encode_message(
        {
            ":exception-type": exception_type,
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        json.dumps({"message": message}).encode("utf-8"),
    )


def decode_messages(data: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Decode a buffer of messages (used by tests and for debugging); checks the CRCs."""
    out = []
    offset = 0
    while offset < len(data):
        total, headers_len, prelude_crc = struct.unpack_from(">III", data, offset)
        if zlib.crc32(data[offset : offset + 8]) & 0xFFFFFFFF != prelude_crc:
            raise ValueError("prelude CRC mismatch")
        message = data[offset : offset + total]
        if zlib.crc32(message[:-4]) & 0xFFFFFFFF != struct.unpack(">I", message[-4:])[0]:
            raise ValueError("message CRC mismatch")
        headers: dict[str, str] = {}
        pos = 12
        end = 12 + headers_len
        while pos < end:
            name_len = message[pos]
            name = message[pos + 1 : pos + 1 + name_len].decode()
            pos += 1 + name_len
            kind, value_len = struct.unpack_from(">BH", message, pos)
            if kind != _STRING:
                raise ValueError("only string headers are supported")
            pos += 3
            headers[name] = message[pos : pos + value_len].decode()
            pos += value_len
        out.append((headers, message[end:-4]))
        offset += total
    return out
