"""Who signed an AWS request: the live account table (configured access keys plus the
temporary credentials STS issued) and SigV4 verification against it. Bedrock and STS check
signatures the same way, each for its own service, so the check is written here once."""

from __future__ import annotations

import time

from aiohttp import web

from sandbox import sigv4
from sandbox.common import SandboxState, state
from sandbox.config import AwsCredential
from sandbox.tags import tag

EXPIRED_MESSAGE = "The security token included in the request is expired"


def credential_for(sandbox: SandboxState, access_key_id: str) -> AwsCredential | None:
    """A configured key, or a live session's; raises SigV4Error for an expired session."""
    for cred in sandbox.config.aws.credentials:
        if cred.access_key_id == access_key_id:
            return cred
    session = sandbox.aws_sessions.get(access_key_id)
    if session is None:
        return None
    if session.expires_at <= time.time():
        raise sigv4.SigV4Error("ExpiredTokenException", EXPIRED_MESSAGE)
    return session.credential


def secret_of(cred: AwsCredential | None) -> tuple[str, str | None] | None:
    """What ``sigv4.verify`` needs of a credential: its secret and session token."""
    return (cred.secret_access_key, cred.session_token) if cred else None


def verify_signed(request: web.Request, body: bytes, service: str) -> tuple[AwsCredential, str]:
    """The signer's credential and the region of its scope, once the request's SigV4
    signature for ``service`` checks out; tags the request with the signer.

    Raises :class:`sigv4.SigV4Error` with the code AWS would answer.
    """
    sandbox = state(request)
    raw_path, _, query = request.raw_path.partition("?")
    identity = sigv4.verify(
        method=request.method,
        raw_path=raw_path,
        query_string=query,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        service=service,
        lookup=lambda key_id: secret_of(credential_for(sandbox, key_id)),
    )
    cred = credential_for(sandbox, identity.access_key_id)
    assert cred is not None  # verify() succeeded, so the key is known
    tag(
        request,
        account=cred.account_id,
        region=identity.region,
        auth="sigv4",
        access_key_id=identity.access_key_id,
    )
    return cred, identity.region
