"""The OAuth2 ``/token`` endpoint service-account credentials call: a JWT-bearer grant whose
signature is verified against the account's public key, answered with an access token bound
to the account's project."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.common import IssuedToken, json_response, state
from sandbox.gemini import PROVIDER
from sandbox.tags import tag

TOKEN_LIFETIME_S = 3600


JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    return json_response({"error": error, "error_description": description}, status=status)


async def token(request: web.Request) -> web.Response:
    """JWT-bearer grant: verify the assertion against the service account's public key."""
    tag(request, provider=PROVIDER, operation="oauth2.token")
    form = await request.post()
    if form.get("grant_type") != JWT_BEARER:
        return _oauth_error(
            "unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type')}"
        )
    assertion = str(form.get("assertion", ""))
    try:
        header_b64, payload_b64, signature_b64 = assertion.split(".")
        header = json.loads(_b64url(header_b64))
        claims = json.loads(_b64url(payload_b64))
        signature = _b64url(signature_b64)
    except (ValueError, binascii.Error):
        return _oauth_error("invalid_grant", "Invalid JWT: malformed assertion.")
    if header.get("alg") != "RS256":
        return _oauth_error("invalid_grant", "Invalid JWT: unsupported signing algorithm.")
    issuer = claims.get("iss")
    found = None
    for project, cfg in state(request).config.gcp.projects.items():
        for account in cfg.service_accounts:
            if account.client_email == issuer:
                found = (project, account)
    if found is None:
        return _oauth_error("invalid_grant", "Invalid grant: account not found")
    project, account = found
    tag(request, account=project, auth="service_account")
    public_key = serialization.load_pem_public_key(account.public_key_pem.encode())
    try:
        public_key.verify(  # type: ignore[union-attr]
            signature,
            f"{header_b64}.{payload_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return _oauth_error("invalid_grant", "Invalid JWT Signature.")
    now = time.time()
    iat, exp = claims.get("iat", 0), claims.get("exp", 0)
    if not (iat - 300 <= now <= exp + 300) or exp - iat > 3600:
        return _oauth_error(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
            "timeframe. Check your iat and exp values in the JWT claim.",
        )
    if not str(claims.get("aud", "")).endswith("/token"):
        return _oauth_error("invalid_grant", "Invalid JWT: Failed audience check.")
    if not claims.get("scope") and not claims.get("target_audience"):
        return _oauth_error("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
    access_token = "ya29.sandbox-" + secrets.token_urlsafe(32)
    state(request).tokens[access_token] = IssuedToken(
        project=project, client_email=account.client_email, expires_at=now + TOKEN_LIFETIME_S
    )
    return json_response(
        {"access_token": access_token, "expires_in": TOKEN_LIFETIME_S - 1, "token_type": "Bearer"}
    )
