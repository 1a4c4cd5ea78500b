"""botocore exceptions → ProviderError for Bedrock (and STS when a role is assumed)."""

from __future__ import annotations

from typing import Any

from botocore import exceptions as bx
from botocore.parsers import ResponseParserError
from urllib3 import exceptions as ux

from providers.adapters.base import ErrorKind, ProviderError
from providers.adapters.common import is_tls_error, kind_for_status, retry_after_from

AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ExpiredToken",
        "MissingAuthenticationTokenException",
    }
)
CODE_KINDS = {
    "AccessDeniedException": ErrorKind.PERMISSION,
    "AccessDenied": ErrorKind.PERMISSION,
    "ResourceNotFoundException": ErrorKind.NOT_FOUND,
    "ThrottlingException": ErrorKind.THROTTLED,
    "ModelNotReadyException": ErrorKind.THROTTLED,
    "TooManyRequestsException": ErrorKind.THROTTLED,
    "ModelTimeoutException": ErrorKind.TIMEOUT,
    "ModelErrorException": ErrorKind.SERVER,
    "InternalServerException": ErrorKind.SERVER,
    "ServiceUnavailableException": ErrorKind.SERVER,
    "ValidationException": ErrorKind.BAD_REQUEST,
    "ServiceQuotaExceededException": ErrorKind.BAD_REQUEST,
}


def map_bedrock_error(adapter: Any, exc: BaseException) -> ProviderError | None:
    label = adapter.provider_label
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", ""))
        message = adapter.clean(error.get("Message") or str(exc))
        status = meta.get("HTTPStatusCode")
        kind = ErrorKind.AUTH if code in AUTH_CODES else CODE_KINDS.get(code)
        if kind is None:
            kind = kind_for_status(status)
        lowered = message.lower()
        if kind == ErrorKind.BAD_REQUEST and "model identifier is invalid" in lowered:
            kind = ErrorKind.NOT_FOUND
        if "region" in lowered and "scope" in lowered:
            kind = ErrorKind.REGION
        return ProviderError(
            f"{label} answered {status} {code}: {message}",
            kind=kind,
            status_code=status,
            retry_after=retry_after_from(meta.get("HTTPHeaders")),
            provider_request_id=meta.get("RequestId", ""),
            provider_code=code[:100],
        )
    if isinstance(exc, bx.ReadTimeoutError | bx.ConnectTimeoutError):
        return ProviderError(
            f"{label} did not answer within {adapter.info.timeout:g} s.", kind=ErrorKind.TIMEOUT
        )
    if isinstance(exc, bx.SSLError) or (isinstance(exc, bx.HTTPClientError) and is_tls_error(exc)):
        return ProviderError(
            f"TLS handshake with {label} failed: {adapter.clean(str(exc))}", kind=ErrorKind.TLS
        )
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError | bx.HTTPClientError):
        return ProviderError(
            f"{label} is unreachable: {adapter.clean(str(exc))}", kind=ErrorKind.NETWORK
        )
    if isinstance(exc, ux.ReadTimeoutError):
        return ProviderError(
            f"{label} stopped sending within {adapter.info.timeout:g} s mid-answer.",
            kind=ErrorKind.TIMEOUT,
        )
    if isinstance(exc, ux.HTTPError):
        # Raised while reading an event stream, outside botocore's own wrapping.
        return ProviderError(
            f"{label} closed the connection mid-answer: {adapter.clean(str(exc))}",
            kind=ErrorKind.NETWORK,
        )
    if isinstance(exc, ResponseParserError | ValueError):
        return ProviderError(
            f"{label} sent a response that could not be parsed.", kind=ErrorKind.MALFORMED
        )
    if isinstance(exc, bx.NoCredentialsError | bx.NoAuthTokenError | bx.PartialCredentialsError):
        return ProviderError(
            f"{label}: the connection's credentials are incomplete ({adapter.clean(str(exc))}).",
            kind=ErrorKind.CONFIG,
        )
    if isinstance(exc, bx.BotoCoreError):
        text = adapter.clean(str(exc))
        kind = ErrorKind.CONFIG if "https" in text.lower() else ErrorKind.NETWORK
        return ProviderError(f"{label}: {text}", kind=kind)
    return None
