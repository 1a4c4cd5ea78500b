"""AWS STS (query protocol): AssumeRole and GetCallerIdentity, SigV4-signed for service ``sts``.

``POST /`` with a form body (``Action=AssumeRole&Version=2011-06-15&RoleArn=…``), answered in
XML as real STS does. An access key may assume the role ARNs configured for it
(``AwsCredential.roles``); the temporary credentials issued (``ASIA…`` key, secret, session
token, expiration) are added to the live account table (``SandboxState.aws_sessions``), so the
Bedrock routes accept them until they expire.
"""

from __future__ import annotations

import re
import secrets
import string
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from aiohttp import web

from sandbox import aws_identity, sigv4
from sandbox.common import SandboxState, new_request_id, state
from sandbox.config import AwsCredential, AwsSession
from sandbox.tags import tag

PROVIDER = "aws_bedrock"  # STS is only here to serve Bedrock connections that assume a role
VERSION = "2011-06-15"
NAMESPACE = f"https://sts.amazonaws.com/doc/{VERSION}/"
MIN_DURATION_S = 900
MAX_DURATION_S = 43200
_ROLE_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/(?:[\w+=,.@/-]*/)?[\w+=,.@-]{1,64}$"
)
_SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
# Bedrock-style codes from sigv4.verify → the codes STS answers for the same failures.
_STS_CODES = {
    "UnrecognizedClientException": "InvalidClientTokenId",
    "InvalidSignatureException": "SignatureDoesNotMatch",
    "IncompleteSignatureException": "IncompleteSignature",
    "MissingAuthenticationTokenException": "MissingAuthenticationToken",
    "ExpiredTokenException": "ExpiredToken",
}


def _xml(body: str, status: int = 200, request_id: str = "") -> web.Response:
    return web.Response(
        body=('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode(),
        status=status,
        content_type="text/xml",
        headers={"x-amzn-RequestId": request_id or new_request_id()},
    )


def sts_error(status: int, code: str, message: str) -> web.Response:
    request_id = new_request_id()
    kind = "Receiver" if status >= 500 else "Sender"
    return _xml(
        f'<ErrorResponse xmlns="{NAMESPACE}">\n'
        f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        status=status,
        request_id=request_id,
    )


def _validation(value: str, member: str, constraint: str) -> web.Response:
    return sts_error(
        400,
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _principal_arn(sandbox: SandboxState, cred: AwsCredential) -> str:
    for session in sandbox.aws_sessions.values():
        if session.credential is cred:
            name = session.role_arn.rsplit("/", 1)[-1]
            return f"arn:aws:sts::{cred.account_id}:assumed-role/{name}/{session.session_name}"
    return f"arn:aws:iam::{cred.account_id}:user/sandbox-{cred.access_key_id[-4:].lower()}"


def _assume_role(
    sandbox: SandboxState, cred: AwsCredential, params: dict[str, str]
) -> web.Response:
    role_arn = params.get("RoleArn", "")
    session_name = params.get("RoleSessionName", "")
    if not role_arn:
        return _validation("null", "roleArn", "Member must not be null")
    if not session_name:
        return _validation("null", "roleSessionName", "Member must not be null")
    match = _ROLE_ARN_RE.match(role_arn)
    if not match:
        return _validation(role_arn, "roleArn", "Member must be a valid IAM role ARN")
    if not _SESSION_NAME_RE.match(session_name):
        return _validation(
            session_name,
            "roleSessionName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        )
    raw_duration = params.get("DurationSeconds", "3600")
    try:
        duration = int(raw_duration)
    except ValueError:
        return _validation(raw_duration, "durationSeconds", "Member must be an integer")
    if not MIN_DURATION_S <= duration <= MAX_DURATION_S:
        bound = (
            "greater than or equal to 900"
            if duration < MIN_DURATION_S
            else ("less than or equal to 43200")
        )
        return _validation(raw_duration, "durationSeconds", f"Member must have value {bound}")
    if role_arn not in cred.roles:
        return sts_error(
            403,
            "AccessDenied",
            f"User: {_principal_arn(sandbox, cred)} is not authorized to perform: "
            f"sts:AssumeRole on resource: {role_arn}",
        )
    account = match.group("account")
    issued = AwsCredential(
        access_key_id="ASIA" + _random(string.ascii_uppercase + string.digits, 16),
        secret_access_key=_random(string.ascii_letters + string.digits + "/+", 40),
        session_token="IQoJb3JpZ2luX2VjE" + _random(string.ascii_letters + string.digits, 200),
        regions=list(cred.regions),
        account_id=account,
    )
    expires_at = time.time() + duration
    sandbox.aws_sessions[issued.access_key_id] = AwsSession(
        credential=issued, role_arn=role_arn, session_name=session_name, expires_at=expires_at
    )
    expiration = datetime.fromtimestamp(int(expires_at), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    role_name = role_arn.rsplit("/", 1)[-1]
    request_id = new_request_id()
    return _xml(
        f'<AssumeRoleResponse xmlns="{NAMESPACE}">\n'
        "  <AssumeRoleResult>\n"
        "    <AssumedRoleUser>\n"
        f"      <AssumedRoleId>AROA{_random(string.ascii_uppercase + string.digits, 17)}:"
        f"{escape(session_name)}</AssumedRoleId>\n"
        f"      <Arn>arn:aws:sts::{account}:assumed-role/{escape(role_name)}/"
        f"{escape(session_name)}</Arn>\n"
        "    </AssumedRoleUser>\n"
        "    <Credentials>\n"
        f"      <AccessKeyId>{issued.access_key_id}</AccessKeyId>\n"
        f"      <SecretAccessKey>{issued.secret_access_key}</SecretAccessKey>\n"
        f"      <SessionToken>{issued.session_token}</SessionToken>\n"
        f"      <Expiration>{expiration}</Expiration>\n"
        "    </Credentials>\n"
        "  </AssumeRoleResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
        "</AssumeRoleResponse>\n",
        request_id=request_id,
    )


def _caller_identity(sandbox: SandboxState, cred: AwsCredential) -> web.Response:
    request_id = new_request_id()
    return _xml(
        f'<GetCallerIdentityResponse xmlns="{NAMESPACE}">\n'
        "  <GetCallerIdentityResult>\n"
        f"    <Arn>{escape(_principal_arn(sandbox, cred))}</Arn>\n"
        f"    <UserId>{cred.access_key_id}</UserId>\n"
        f"    <Account>{cred.account_id}</Account>\n"
        "  </GetCallerIdentityResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
        "</GetCallerIdentityResponse>\n",
        request_id=request_id,
    )


async def handle(request: web.Request) -> web.Response:
    """``POST /``: verify the signature (service ``sts``), then run the Action."""
    tag(request, provider=PROVIDER)
    raw = await request.read()
    query = request.raw_path.partition("?")[2]
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    action = params.get("Action", "")
    tag(request, operation=f"sts:{action}" if action else "sts")
    sandbox = state(request)
    try:
        cred, _region = aws_identity.verify_signed(request, raw, "sts")
    except sigv4.SigV4Error as exc:
        return sts_error(exc.status, _STS_CODES.get(exc.code, exc.code), exc.message)
    if params.get("Version") != VERSION:
        return sts_error(
            400,
            "InvalidAction",
            f"Could not find operation {action} for version "
            f"{params.get('Version') or 'NO_VERSION_SPECIFIED'}",
        )
    if action == "AssumeRole":
        return _assume_role(sandbox, cred, params)
    if action == "GetCallerIdentity":
        return _caller_identity(sandbox, cred)
    return sts_error(
        400, "InvalidAction", f"Could not find operation {action} for version {VERSION}"
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/", handle)
