"""Amazon Bedrock Runtime (Claude): Converse, ConverseStream, InvokeModel (+ stream), CountTokens.

Requests are authenticated like AWS does it: SigV4 over the double-encoded path (the region of
the credential scope must be one the key may use), temporary credentials with their session
token, or a Bedrock API key as ``Authorization: Bearer`` (accepted over TLS only, as botocore
refuses it over http anyway). Errors carry ``x-amzn-ErrorType`` + ``{"message"}`` so botocore
raises the modelled exception classes.

:mod:`.routes` registers the route; the other modules are named for what they hold.
"""

from __future__ import annotations

PROVIDER = "aws_bedrock"
