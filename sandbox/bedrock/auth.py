"""Who is calling Bedrock: a SigV4 signer whose key may use the region signed for, or a Bedrock
API key as ``Authorization: Bearer`` (over TLS only); or the error AWS answers instead."""

from __future__ import annotations

from aiohttp import web

from sandbox import aws_identity, sigv4
from sandbox.bedrock.errors import INVALID_TOKEN, aws_error
from sandbox.common import bearer, state
from sandbox.tags import tag


def authenticate(request: web.Request, body: bytes) -> str | web.Response:
    """Return the AWS account id, or the error response AWS would send."""
    aws = state(request).config.aws
    token = bearer(request)
    if token is not None:
        if not request.secure:
            return aws_error(
                403, "AccessDeniedException", "Bearer token authentication requires HTTPS."
            )
        account = aws.api_keys.get(token)
        if account is None:
            return aws_error(403, "UnrecognizedClientException", INVALID_TOKEN)
        tag(request, account=account, auth="api_key")
        return account

    try:
        cred, region = aws_identity.verify_signed(request, body, "bedrock")
    except sigv4.SigV4Error as exc:
        return aws_error(exc.status, exc.code, exc.message)
    if region not in cred.regions:
        # What AWS answers when the key's account cannot use that region.
        return aws_error(403, "UnrecognizedClientException", INVALID_TOKEN)
    return cred.account_id
