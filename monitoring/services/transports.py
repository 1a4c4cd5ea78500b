"""How a notification leaves: e-mail through Django's mail backend, or a Slack-compatible
webhook (`{"text": ...}` POSTed as JSON). One error type, `TransportError`, whose message
never holds the webhook URL (it is a credential).

A webhook URL passes the project's one endpoint check (`providers.endpoints`) when it is
saved and again before each POST: https on port 443 to a public host, unless its origin is
on BYOK_ALLOWED_ENDPOINTS; the socket goes only to an address checked when it is opened,
and redirects are not followed.
"""

from __future__ import annotations

import logging

import httpx2
from django.conf import settings
from django.core.mail import send_mail

from monitoring.models import WEBHOOK_URL, Channel
from providers import endpoints
from providers.adapters.base import ProviderError
from providers.adapters.transport import pinned_transport, tls_verify

logger = logging.getLogger(__name__)

WEBHOOK = "webhook"
# Any host a person can name: the endpoint check still refuses plain http, other ports,
# addresses and internal names, unless allowlisted.
WEBHOOK_HOSTS: dict[str, tuple[str, ...]] = {WEBHOOK: (r".+",)}
WEBHOOK_TIMEOUT = 10


class TransportError(Exception):
    """A notification that could not be delivered; the message says why, secret-free."""


def check_webhook_url(url: str) -> str:
    """The URL normalised, or `endpoints.EndpointNotAllowed` saying why it may not be used.

    The check's sentence names the host at most, never the path (where a webhook's secret
    lives)."""
    return endpoints.check_endpoint(WEBHOOK, url, hosts=WEBHOOK_HOSTS)


def post_webhook(url: str, text: str) -> None:
    """POST `{"text": text}`; TransportError unless the answer is 2xx.

    Sent the way provider calls are: through the pinned transport, which resolves the host
    and connects only to an address it has checked (no DNS rebinding into the network), with
    the provider calls' TLS trust and no redirects.
    """
    try:
        url = check_webhook_url(url)
    except endpoints.EndpointNotAllowed as exc:
        raise TransportError(f"The webhook URL is not allowed: {exc}") from None
    try:
        with httpx2.Client(
            transport=pinned_transport(tls_verify()),
            timeout=httpx2.Timeout(WEBHOOK_TIMEOUT),
            follow_redirects=False,
        ) as client:
            status = client.post(url, json={"text": text}).status_code
    except httpx2.TimeoutException:
        raise TransportError("The webhook did not answer in time.") from None
    except httpx2.ConnectError as exc:
        reason = "its address is not allowed" if "internal address" in str(exc) else "no connection"
        raise TransportError(f"The webhook could not be reached ({reason}).") from None
    except (httpx2.HTTPError, ProviderError, OSError) as exc:
        raise TransportError(f"The webhook could not be reached ({type(exc).__name__}).") from None
    if not 200 <= status < 300:
        raise TransportError(f"The webhook answered HTTP {status}.")


def send(channel: Channel, subject: str, text: str) -> None:
    """Deliver one message on `channel`; TransportError if it could not be."""
    if channel.kind == "email":
        if not channel.recipients:
            raise TransportError("The channel has no address.")
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, channel.recipients)
        except Exception as exc:  # SMTP errors name the server, never a secret of ours
            raise TransportError(f"The mail server refused it ({type(exc).__name__}).") from None
        return
    try:
        url = str(channel.secrets.get(WEBHOOK_URL) or "")
    except Exception:  # an undecryptable secret
        raise TransportError("The webhook URL cannot be decrypted with the current keys.") from None
    if not url:
        raise TransportError("The channel has no webhook URL.")
    post_webhook(url, f"*{subject}*\n{text}")
