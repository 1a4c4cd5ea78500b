"""google-genai / google-auth / httpx2 exceptions → ProviderError for Gemini and Vertex AI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
from google.auth import exceptions as auth_errors
from google.genai import errors as genai_errors

from providers.adapters.base import ErrorKind, ProviderError
from providers.adapters.common import (
    is_tls_error,
    kind_for_status,
    redirect_message,
    retry_after_from,
    seconds_from_duration,
)


def _details(exc: genai_errors.APIError) -> list[dict[str, Any]]:
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    details = error.get("details") if isinstance(error, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]


def _api_error(adapter: Any, exc: genai_errors.APIError) -> ProviderError:
    status = int(exc.code or 0)
    details = _details(exc)
    reasons = {d.get("reason") for d in details}
    kind = kind_for_status(status)
    if "API_KEY_INVALID" in reasons or (exc.status == "UNAUTHENTICATED"):
        kind = ErrorKind.AUTH
    retry_after = None
    for detail in details:
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            retry_after = seconds_from_duration(detail.get("retryDelay"))
    headers = getattr(exc.response, "headers", None)
    if retry_after is None and headers is not None:
        retry_after = retry_after_from(dict(headers))
    message = exc.message or str(exc.status or "")
    if 300 <= status < 400:
        message = redirect_message(status, (headers or {}).get("location", ""))
    request_id = ""
    if headers is not None:
        request_id = headers.get("x-request-id", "") or headers.get("x-goog-request-id", "")
    return ProviderError(
        f"{adapter.provider_label} answered {status} {exc.status or ''}: "
        f"{adapter.clean(message)}".replace("  ", " "),
        kind=kind,
        status_code=status or None,
        retry_after=retry_after,
        provider_request_id=request_id,
        provider_code=str(exc.status or "")[:100],
    )


def map_gemini_error(adapter: Any, exc: BaseException) -> ProviderError | None:
    label = adapter.provider_label
    if isinstance(exc, genai_errors.APIError):
        return _api_error(adapter, exc)
    if isinstance(exc, httpx2.TimeoutException):
        return ProviderError(
            f"{label} did not answer within {adapter.info.timeout:g} s.", kind=ErrorKind.TIMEOUT
        )
    if isinstance(exc, httpx2.TransportError | auth_errors.TransportError):
        if is_tls_error(exc):
            return ProviderError(
                f"TLS handshake with {label} failed: {adapter.clean(str(exc))}",
                kind=ErrorKind.TLS,
            )
        if isinstance(exc, auth_errors.TransportError) and "Timeout" in str(exc):
            return ProviderError(
                f"The token endpoint did not answer within {adapter.info.timeout:g} s.",
                kind=ErrorKind.TIMEOUT,
            )
        return ProviderError(
            f"{label} is unreachable: {adapter.clean(str(exc))}", kind=ErrorKind.NETWORK
        )
    if isinstance(exc, auth_errors.RefreshError):
        return ProviderError(
            f"The service account was refused by its token endpoint: {adapter.clean(str(exc))}",
            kind=ErrorKind.AUTH,
        )
    if isinstance(exc, ValueError):
        return ProviderError(
            f"{label} sent a response that could not be parsed.", kind=ErrorKind.MALFORMED
        )
    return None


@contextmanager
def gemini_errors(adapter: Any) -> Iterator[None]:
    try:
        yield
    except (ProviderError, GeneratorExit):
        raise
    except Exception as exc:
        mapped = map_gemini_error(adapter, exc)
        if mapped is None:
            raise
        raise mapped from None
