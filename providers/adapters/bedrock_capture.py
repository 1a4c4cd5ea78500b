"""botocore events → outbound capture, one row per HTTP attempt.

`before-send` writes the attempt's row (`sending`) before the request leaves and notes the start
time; `response-received` (emitted by botocore's endpoint after every attempt, with the response
or the transport exception) completes it. A streamed answer (ConverseStream, InvokeModelWithResponseStream) is only complete when
the caller has read it, so its row is left pending and the adapter finishes it at the end of the
stream (`take_pending` / `PendingRow.finish`). Streams come chunked, without Content-Length, so
`before-parse` hands botocore's event-stream parser a body that counts the bytes it reads. Both hand-offs go through ContextVars, because
the client is shared by threads and the hooks run in the calling thread.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from providers.adapters.base import ProviderError
from providers.outbound import capture as outbound
from providers.outbound.capture import Target

_sent: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "bedrock_sent", default=None
)
_pending: contextvars.ContextVar[PendingRow | None] = contextvars.ContextVar(
    "bedrock_pending", default=None
)
# before-parse → response-received (which gets a fresh response dict, not the parsed one).
_counting: contextvars.ContextVar[CountingBody | None] = contextvars.ContextVar(
    "bedrock_counting", default=None
)


class CountingBody:
    """A raw streamed body (urllib3 response) that counts the bytes read through `stream()`.

    botocore's EventStream reads only `stream()` and `close()`; anything else is passed on.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.size = 0

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        for chunk in self._raw.stream(*args, **kwargs):
            self.size += len(chunk)
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


@dataclass
class PendingRow:
    """A streamed response whose row is completed once the stream has been consumed."""

    sent: outbound.InFlight
    fields: dict[str, Any]
    started: float
    counter: CountingBody | None = None
    done: bool = field(default=False)

    def finish(self, error: str = "", body: bytes | None = None) -> None:
        if self.done:
            return
        self.done = True
        if body is not None:
            self.fields["response_body"] = body
            self.fields["response_bytes"] = len(body)
        elif self.counter is not None and self.counter.size:
            self.fields["response_bytes"] = self.counter.size
        outbound.complete(
            self.sent,
            latency_ms=(time.perf_counter() - self.started) * 1000,
            error=error,
            **self.fields,
        )


def take_pending() -> PendingRow | None:
    row = _pending.get()
    _pending.set(None)
    return row


def register(client: Any, target: Target) -> None:
    """Attach the capture hooks to one boto3 client (its own event emitter)."""
    service = client.meta.service_model.service_id.hyphenize()

    def before_send(request: Any, **kwargs: Any) -> None:
        body = request.body
        if hasattr(body, "read"):
            body = b""
        elif isinstance(body, str):
            body = body.encode()
        sent = outbound.begin(
            target,
            method=request.method,
            url=request.url,
            request_headers=list(request.headers.items()),
            request_body=body or b"",
            scope=outbound.current_scope(),
        )
        _sent.set({"sent": sent, "started": time.perf_counter()})

    def before_parse(operation_model: Any, response_dict: dict[str, Any], **kwargs: Any) -> None:
        body = response_dict.get("body")
        if operation_model.has_event_stream_output and hasattr(body, "stream"):
            response_dict["body"] = counter = CountingBody(body)
            _counting.set(counter)

    def response_received(
        response_dict: dict[str, Any] | None,
        exception: BaseException | None = None,
        **kwargs: Any,
    ) -> None:
        sent = _sent.get()
        _sent.set(None)
        counter = _counting.get()
        _counting.set(None)
        if sent is None:
            return
        if response_dict is None:
            outbound.complete(
                sent["sent"],
                status=None,
                latency_ms=(time.perf_counter() - sent["started"]) * 1000,
                error=f"{type(exception).__name__}: {exception}" if exception else "no response",
            )
            return
        headers = list((response_dict.get("headers") or {}).items())
        body = response_dict.get("body")
        status = response_dict.get("status_code")
        if isinstance(body, bytes | bytearray):
            outbound.complete(
                sent["sent"],
                status=status,
                latency_ms=(time.perf_counter() - sent["started"]) * 1000,
                response_headers=headers,
                response_body=bytes(body),
            )
            return
        lowered = {k.lower(): v for k, v in headers}
        size = lowered.get("content-length")
        _pending.set(
            PendingRow(
                sent=sent["sent"],
                fields={
                    "status": status,
                    "response_headers": headers,
                    "response_bytes": int(size) if size and size.isdigit() else 0,
                },
                started=sent["started"],
                counter=counter,
            )
        )

    client.meta.events.register(f"before-send.{service}", before_send)
    client.meta.events.register(f"before-parse.{service}", before_parse)
    client.meta.events.register(f"response-received.{service}", response_received)


@contextmanager
def errors(adapter: Any) -> Iterator[None]:
    """botocore exceptions leave as ProviderError (message cleaned of secrets)."""
    try:
        yield
    except ProviderError:
        raise
    except GeneratorExit:
        raise
    except Exception as exc:
        mapped = adapter.map_error(exc)
        if mapped is None:
            raise
        raise mapped from None
