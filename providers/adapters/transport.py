"""The SDKs' own transport hooks, wired to outbound capture.

- openai and google-genai (both on httpx2): an `httpx2.Client` whose transport wraps the
  default one. A transport (rather than `event_hooks`) sees transport failures too — a timeout
  or a reset never reaches a response hook — and sees the end of a streamed body. Each
  attempt's row is written (`sending`) before the request leaves and completed when the
  response is closed, with its real size and duration.
- google-auth's token exchange (Vertex service accounts): a `google.auth.transport.Request`
  that sends through the same capturing client, so `/token` calls are logged as well.
- botocore: `before-send` and `response-received` events (see `bedrock_hooks`).

Redirects are never followed (`follow_redirects=False`): a provider endpoint that redirects
elsewhere gets an error, not our credentials. Every new httpx2 socket is opened by
`PinnedBackend`, which resolves the host, checks each address and connects to a checked one. TLS trusts the system store plus the CAs of
`settings.BYOK_CA_BUNDLE` (`tls_verify` for httpx2, `ca_bundle` for botocore).
"""

from __future__ import annotations

import functools
import hashlib
import os
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore2
import httpx2
from django.conf import settings
from httpcore2._backends.sync import SyncBackend

from providers.adapters.base import ErrorKind, ProviderError
from providers.endpoints import EndpointNotAllowed, checked_addresses
from providers.outbound import capture as outbound
from providers.outbound.capture import OutboundScope, Target


def _extra_ca() -> str:
    """The PEM file named by BYOK_CA_BUNDLE ("" when unset); unreadable → ProviderError(CONFIG)."""
    path = settings.BYOK_CA_BUNDLE
    if path and not os.path.isfile(path):
        raise ProviderError(
            f"BYOK_CA_BUNDLE names {path!r}, which is not a readable file.", kind=ErrorKind.CONFIG
        )
    return path


@functools.lru_cache(maxsize=8)
def _context(path: str, mtime: float) -> ssl.SSLContext:
    context = httpcore2.default_ssl_context()
    try:
        context.load_verify_locations(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ProviderError(
            f"BYOK_CA_BUNDLE ({path}) holds no usable certificate: {exc}.", kind=ErrorKind.CONFIG
        ) from None
    return context


def tls_verify() -> ssl.SSLContext | bool:
    """TLS verification for httpx2 clients: the system store, plus BYOK_CA_BUNDLE if set.

    The extra bundle is added to the system's trust, not put in its place, so a private
    gateway's CA does not break the providers' public endpoints.
    """
    path = _extra_ca()
    return _context(path, os.path.getmtime(path)) if path else True


@functools.lru_cache(maxsize=8)
def _combined_bundle(path: str, mtime: float) -> str:
    from botocore.httpsession import get_cert_path

    default = get_cert_path(True)
    if default is None:
        return path  # botocore ships no bundle here: the extra CAs alone
    parts = [Path(default).read_bytes(), b"\n", Path(path).read_bytes()]
    data = b"".join(parts)
    digest = hashlib.sha256(data).hexdigest()[:16]
    # In the console's own private folder (0700), never a shared temporary one where another
    # local user could plant a bundle with their CA under the expected name; and a file
    # found there is used only if it still holds exactly these bytes.
    folder = Path(settings.VAR_DIR) / "ca-bundles"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    combined = folder / f"ca-bundle-{digest}.pem"
    if not combined.exists() or combined.read_bytes() != data:
        partial = combined.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.chmod(0o600)
        partial.replace(combined)
    return str(combined)


def ca_bundle() -> str | bool:
    """TLS verification for botocore (a path or True): its CA bundle, plus BYOK_CA_BUNDLE.

    botocore only takes a file, so the extra CAs are appended to its default bundle in a
    cached file named by the content's hash.
    """
    path = _extra_ca()
    return _combined_bundle(path, os.path.getmtime(path)) if path else True


class _RecordingStream(httpx2.SyncByteStream):
    """Passes the body through, keeping the first bytes; writes the row when closed."""

    def __init__(
        self,
        inner: httpx2.SyncByteStream,
        finish: Any,
    ) -> None:
        self._inner = inner
        self._finish = finish
        self._chunks: list[bytes] = []
        self._kept = 0
        self._size = 0
        self._error = ""
        self._done = False
        self._limit = max(getattr(settings, "OUTBOUND_LOG_BODY_LIMIT", 0), 64 * 1024)

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._inner:
                self._size += len(chunk)
                if self._kept < self._limit:
                    self._chunks.append(chunk[: self._limit - self._kept])
                    self._kept += len(self._chunks[-1])
                yield chunk
        except Exception as exc:
            self._error = f"{type(exc).__name__}: {exc}"
            raise

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            if not self._done:
                self._done = True
                self._finish(b"".join(self._chunks), self._size, self._error)


class CapturingTransport(httpx2.BaseTransport):
    """Wraps the default transport; one OutboundRequest per request it carries."""

    def __init__(self, target: Target, inner: httpx2.BaseTransport) -> None:
        self.target = target
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        scope = outbound.current_scope() or OutboundScope()
        started = time.perf_counter()
        try:
            body = request.content
        except httpx2.RequestNotRead:
            body = b""
        sent = outbound.begin(
            self.target,
            method=request.method,
            url=str(request.url),
            request_headers=request.headers.multi_items(),
            request_body=body,
            scope=scope,
        )
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            outbound.complete(
                sent,
                status=None,
                latency_ms=(time.perf_counter() - started) * 1000,
                error=f"{type(exc).__name__}: {exc}",
            )
            raise

        def finish(kept: bytes, size: int, error: str) -> None:
            outbound.complete(
                sent,
                status=response.status_code,
                latency_ms=(time.perf_counter() - started) * 1000,
                response_headers=response.headers.multi_items(),
                response_body=kept,
                response_bytes=size,
                error=error,
            )

        response.stream = _RecordingStream(response.stream, finish)  # type: ignore[arg-type]
        return response

    def close(self) -> None:
        self.inner.close()


class PinnedBackend(SyncBackend):
    """Opens sockets only to checked addresses: DNS is resolved here, once per connection.

    The endpoint was checked when saved and when the adapter was built, but clients are
    cached and DNS answers change; checking the very address the socket connects to closes
    the gap (DNS rebinding). TLS still verifies the certificate against the host name.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore2.NetworkStream:
        try:
            addresses = checked_addresses(host, port)
        except EndpointNotAllowed as exc:
            raise httpcore2.ConnectError(str(exc)) from None
        except (OSError, UnicodeError) as exc:
            raise httpcore2.ConnectError(f"{host} could not be resolved: {exc}") from None
        last: Exception = httpcore2.ConnectError(f"{host} has no address.")
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                last = exc
        raise last


def pinned_transport(verify: ssl.SSLContext | bool) -> httpx2.HTTPTransport:
    """httpx2's transport with its connection pool opening sockets through `PinnedBackend`."""
    transport = httpx2.HTTPTransport(verify=verify, retries=0)
    transport._pool._network_backend = PinnedBackend()  # the pool's only socket factory
    return transport


def httpx_client(target: Target, timeout: float) -> httpx2.Client:
    """An httpx2 client for one connection: capturing transport, no redirects, its timeout."""
    return httpx2.Client(
        transport=CapturingTransport(target, pinned_transport(tls_verify())),
        timeout=httpx2.Timeout(timeout),
        follow_redirects=False,
    )


class _AuthResponse:
    """google.auth.transport.Response over an httpx2 response."""

    def __init__(self, response: httpx2.Response) -> None:
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content


class GoogleAuthRequest:
    """google.auth.transport.Request sending through a capturing httpx2 client."""

    def __init__(self, client: httpx2.Client) -> None:
        self._client = client

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _AuthResponse:
        from google.auth import exceptions

        try:
            response = self._client.request(
                method, url, content=body, headers=headers, timeout=timeout or 60
            )
        except httpx2.HTTPError as exc:
            raise exceptions.TransportError(f"{type(exc).__name__}: {exc}") from exc
        return _AuthResponse(response)
