"""`/metrics`: the console's figures in Prometheus's text format, for a scraper holding the
token in BYOK_METRICS_TOKEN (`Authorization: Bearer <token>`).

No token set closes the endpoint (403): figures about providers, connections and spend are
not public. A missing or wrong token is 401. The comparison takes the same time whatever
the token given.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from monitoring.services.metrics import ConsoleCollector


def _refusal(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    expected = str(settings.BYOK_METRICS_TOKEN or "")
    if not expected:
        return _refusal(403, "Metrics are off: set BYOK_METRICS_TOKEN to turn them on.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        return _refusal(401, "A valid bearer token is required.")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ConsoleCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
