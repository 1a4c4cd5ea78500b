"""AWS Signature Version 4 verification, as Bedrock Runtime does it.

The canonical URI is the raw request path percent-encoded *again* (botocore signs the
double-encoded form for non-S3 services), ``host`` includes the port, and the body hash is
computed here because botocore sends no ``x-amz-content-sha256`` for this service.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<sig>[0-9a-f]+)\s*$"
)
_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
MAX_SKEW_SECONDS = 15 * 60


class SigV4Error(Exception):
    """A verification failure carrying the AWS error code and message to return (403)."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class SignedIdentity:
    access_key_id: str
    region: str
    service: str


def canonical_query(query_string: str) -> str:
    pairs = parse_qsl(query_string, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def expected_signature(
    *,
    method: str,
    raw_path: str,
    query_string: str,
    headers: dict[str, str],
    signed_headers: list[str],
    body: bytes,
    amz_date: str,
    scope: str,
    secret: str,
) -> str:
    """Recompute the signature exactly as botocore builds it."""
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers
    )
    canonical_request = "\n".join(
        [
            method.upper(),
            quote(raw_path, safe="/~"),
            canonical_query(query_string),
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    date, region, service, _ = scope.split("/")
    key = signing_key(secret, date, region, service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify(
    *,
    method: str,
    raw_path: str,
    query_string: str,
    headers: dict[str, str],
    body: bytes,
    lookup: Callable[[str], tuple[str, str | None] | None],
    service: str = "bedrock",
    now: datetime | None = None,
) -> SignedIdentity:
    """Verify a SigV4-signed request; ``headers`` must have lower-case names.

    ``lookup(access_key_id)`` returns ``(secret, session_token_or_None)`` or None if unknown.
    Raises :class:`SigV4Error` with the code AWS would return.
    """
    auth = headers.get("authorization", "")
    if not auth:
        raise SigV4Error("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTH_RE.match(auth)
    if not match:
        raise SigV4Error(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'"
            " parameters.",
            400,
        )
    cred_parts = match.group("cred").split("/")
    if len(cred_parts) != 5 or cred_parts[4] != "aws4_request":
        raise SigV4Error("IncompleteSignatureException", "Credential is malformed.", 400)
    access_key_id, date, region, cred_service, _ = cred_parts
    if cred_service != service:
        raise SigV4Error(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service}'. ",
        )
    if not _REGION_RE.match(region):
        raise SigV4Error(
            "InvalidSignatureException", "Credential should be scoped to a valid region."
        )
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SigV4Error(
            "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'.", 400
        ) from None
    current = now or datetime.now(UTC)
    if abs((current - signed_at).total_seconds()) > MAX_SKEW_SECONDS:
        raise SigV4Error(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than "
            f"{current.strftime('%Y%m%dT%H%M%SZ')}.",
        )
    found = lookup(access_key_id)
    if found is None:
        raise SigV4Error(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    secret, session_token = found
    signed_headers = match.group("signed").split(";")
    if "host" not in signed_headers:
        raise SigV4Error("InvalidSignatureException", "'Host' must be a 'SignedHeader'.")
    if session_token is not None and (
        headers.get("x-amz-security-token") != session_token
        or "x-amz-security-token" not in signed_headers
    ):
        raise SigV4Error(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    scope = f"{date}/{region}/{cred_service}/aws4_request"
    expected = expected_signature(
        method=method,
        raw_path=raw_path,
        query_string=query_string,
        headers=headers,
        signed_headers=signed_headers,
        body=body,
        amz_date=amz_date,
        scope=scope,
        secret=secret,
    )
    if not hmac.compare_digest(expected, match.group("sig")):
        raise SigV4Error(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.",
        )
    return SignedIdentity(access_key_id=access_key_id, region=region, service=cred_service)
