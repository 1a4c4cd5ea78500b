"""The grammar of connection values, above all those that end up in a host name or URL path.

The SDKs paste a region into `bedrock-runtime.{region}.amazonaws.com`, a Vertex location into
`{location}-aiplatform.googleapis.com`, an API version into `?api-version=` or `/v1beta/`, a
deployment into `/openai/deployments/{name}`, without escaping any of them. An unchecked value
can therefore send a request to another host or path (`us-east-1.evil.example/`), or fail only
at call time with an SDK error no administrator can act on. Each check here refuses such a
value where it is entered, saying what the provider expects.

A check raises `SettingError`, which carries the problem twice: as a `phrase` for the lines of
a configuration document (`connections[1].region: must be an AWS Region such as us-east-1`)
and as a `sentence` for a form or API field ("Must be an AWS Region such as us-east-1.").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from core import parsers
from providers.choices import ProviderKind
from providers.endpoints import TOKEN_HOST_PATTERNS, EndpointNotAllowed, check_endpoint

Validator = Callable[[Any], Any]


class SettingError(ValueError):
    """A value a provider does not accept; never quotes the value (it may be a secret)."""

    def __init__(self, phrase: str, sentence: str | None = None) -> None:
        super().__init__(phrase)
        self.phrase = phrase
        self.sentence = sentence or f"{phrase[:1].upper()}{phrase[1:]}."


# -- grammars (full matches) ---------------------------------------------------------------
AWS_REGION = r"[a-z]{2}(-[a-z]+)+-\d"  # us-east-1, eu-central-1, us-gov-west-1
# 2024-10-21, 2025-04-01-preview; the v1 API also takes `preview` and `latest`.
AZURE_API_VERSION = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(-preview)?|preview|latest"
AZURE_RESOURCE = r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?"  # the {resource} of the endpoint host
AZURE_DEPLOYMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
GEMINI_API_VERSION = r"v\d+((alpha|beta)\d*)?"  # v1, v1beta, v1beta1, v1alpha
VERTEX_LOCATION = r"global|[a-z]+-[a-z]+\d{1,2}"  # us-central1, europe-west4, global
# A project ID (lowercase, starts with a letter, up to 30), a legacy domain-scoped ID
# (example.com:project) or a project number.
GCP_PROJECT = r"([a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z]([a-z0-9-]{0,28}[a-z0-9])?|\d{1,20}"
IAM_ROLE_ARN = r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}"
HTTP_HEADER_NAME = r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}"  # an RFC 9110 token
# A URL path segment the SDKs can append to: no `.`/`..`, no query, no escapes.
PATH = r"(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*"

SERVICE_ACCOUNT_KEYS = ("client_email", "private_key", "token_uri")

# Model ids as each provider's URL path takes them (Azure: the deployment; Bedrock: a model
# id, inference profile or ARN; Gemini: a model, optionally `models/…` or `tunedModels/…`);
# an OpenAI-compatible model only travels in the JSON body, but is held to the same alphabet.
BEDROCK_MODEL = (
    r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}"
    r"|arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:[a-z-]+/[A-Za-z0-9._:-]{1,200}"
)
GEMINI_MODEL = r"((models|tunedModels)/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
OPENAI_MODEL = r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}(/[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}){0,3}"
MODEL_NAMES: dict[str, tuple[str, str]] = {
    ProviderKind.AZURE_OPENAI: (
        AZURE_DEPLOYMENT,
        "must be a deployment name (up to 64 letters, digits, dots, hyphens and underscores)",
    ),
    ProviderKind.AWS_BEDROCK: (
        BEDROCK_MODEL,
        "must be a Bedrock model id, inference profile or ARN such as "
        "anthropic.claude-sonnet-4-20250514-v1:0",
    ),
    ProviderKind.GOOGLE_GEMINI: (GEMINI_MODEL, "must be a Gemini model such as gemini-2.5-pro"),
}
_DEFAULT_MODEL_NAME = (
    OPENAI_MODEL,
    "must be a model name such as gpt-4o-mini (letters, digits and . _ : @ + - , "
    "up to four / between parts)",
)


def model_name(kind: str, value: Any) -> str:
    """A model or deployment name as `kind`'s URLs take it; SettingError otherwise."""
    regex, phrase = MODEL_NAMES.get(kind, _DEFAULT_MODEL_NAME)
    if not isinstance(value, str) or not re.fullmatch(regex, value):
        raise SettingError(phrase)
    return value


def pattern(regex: str, phrase: str) -> Validator:
    """A validator refusing any value that is not a full match of `regex`."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise SettingError(phrase)
        return value

    return check


aws_region = pattern(AWS_REGION, "must be an AWS Region code such as us-east-1")
azure_api_version = pattern(
    AZURE_API_VERSION,
    "must be an Azure OpenAI API version such as 2024-10-21 or 2025-04-01-preview",
)
gemini_api_version = pattern(GEMINI_API_VERSION, "must be an API version such as v1 or v1beta")
vertex_location = pattern(
    VERTEX_LOCATION, "must be a Vertex AI location such as us-central1, europe-west4 or global"
)
gcp_project = pattern(
    GCP_PROJECT,
    "must be a Google Cloud project ID such as contoso-genai (lowercase letters, digits and "
    "hyphens, starting with a letter) or a project number",
)
iam_role_arn = pattern(
    IAM_ROLE_ARN, "must be an IAM role ARN such as arn:aws:iam::111122223333:role/bedrock-invoke"
)
http_header_name = pattern(
    HTTP_HEADER_NAME, "must be an HTTP header name such as X-Api-Key (no spaces or colons)"
)

_DEPLOYMENTS = "/openai/deployments"


def azure_resource_path(value: str) -> str:
    """A gateway prefix (`/gateway`) and/or one deployment (`/openai/deployments/gpt4o`)."""
    path = "/" + value.strip("/")
    if not re.fullmatch(PATH, path):
        raise SettingError(
            "must be a URL path such as /openai/deployments/gpt4o "
            "(letters, digits and . _ ~ - between slashes)"
        )
    # Read as the adapter reads it (providers.adapters.azure_openai.split_resource_path).
    _, marker, deployment = (path + "/").partition(_DEPLOYMENTS + "/")
    if marker and not re.fullmatch(AZURE_DEPLOYMENT + "/", deployment):
        raise SettingError(
            f"must end in {_DEPLOYMENTS}/ and one deployment name "
            "(up to 64 letters, digits, dots, hyphens and underscores)"
        )
    return value


# Host names whose labels are values of their own grammar (resource, region, location).
_HOST_LABELS: dict[str, tuple[tuple[str, str, str], ...]] = {
    ProviderKind.AZURE_OPENAI: (
        (r"(?P<v>.+)\.(openai|cognitiveservices)\.azure\.com", AZURE_RESOURCE, "Azure resource"),
    ),
    ProviderKind.AWS_BEDROCK: (
        (r"bedrock-runtime(-fips)?\.(?P<v>.+)\.amazonaws\.com", AWS_REGION, "AWS Region"),
    ),
    ProviderKind.GOOGLE_GEMINI: (
        (r"(?P<v>.+)-aiplatform\.googleapis\.com", VERTEX_LOCATION, "Vertex AI location"),
    ),
}


def endpoint(kind: str) -> Validator:
    """The provider's endpoint rules (`providers.endpoints`), then the URL's own grammar."""

    def check(value: str) -> str:
        try:
            url = check_endpoint(kind, value)
        except EndpointNotAllowed as exc:
            raise SettingError(str(exc), str(exc)) from None
        parts = urlsplit(url)
        if "?" in url or "#" in url:
            raise SettingError(
                "must not carry a query string or fragment; the SDK adds the path and parameters"
            )
        if not re.fullmatch(PATH, parts.path):
            raise SettingError(
                "must have a plain path (letters, digits and . _ ~ - between slashes)"
            )
        host = parts.hostname or ""
        for host_pattern, grammar, what in _HOST_LABELS.get(kind, ()):
            match = re.fullmatch(host_pattern, host)
            if match and not re.fullmatch(grammar, match["v"]):
                raise SettingError(f"the host does not name a valid {what}")
        return url

    return check


def secret_text(value: Any) -> str:
    """A key or token: any non-blank text, kept without surrounding spaces."""
    if not isinstance(value, str) or not value.strip():
        raise SettingError("must be a non-empty string")
    return value.strip()


def service_account(value: Any) -> dict[str, Any]:
    """A Google service-account key file, given as its JSON object or as its text.

    google-auth needs `client_email`, `private_key` and `token_uri` to mint a token, so a key
    file without one of them is refused here rather than failing at the first call.
    """
    info = value
    if isinstance(value, str):
        try:
            info = parsers.loads(value)
        except parsers.MalformedJSON as exc:
            why = exc.unquoted_reason  # a key of the secret may itself be secret
            raise SettingError(
                f"must be the service-account JSON object, not valid JSON ({why})",
                f"This is not valid JSON ({why}); paste the whole service-account key file.",
            ) from None
    if not isinstance(info, dict):
        raise SettingError(
            "must be the service-account JSON object",
            "The service-account key must be a JSON object.",
        )
    missing = [key for key in SERVICE_ACCOUNT_KEYS if not info.get(key)]
    if missing:
        raise SettingError(
            f"service-account JSON lacks {', '.join(missing)}",
            f"The service-account key has no {', '.join(missing)}.",
        )
    token_uri = info["token_uri"]
    try:
        if not isinstance(token_uri, str):
            raise EndpointNotAllowed("It must be a URL.")
        check_endpoint(ProviderKind.GOOGLE_GEMINI, token_uri, hosts=TOKEN_HOST_PATTERNS)
    except EndpointNotAllowed as exc:
        raise SettingError(
            f"service-account token_uri is not allowed: {exc}",
            f"The service-account key's token_uri is not allowed: {exc}",
        ) from None
    return info
