"""Rows left `sending`: a request whose row was written (write-ahead) but whose outcome never
was, because the process sending it died. The provider may or may not have received it; the
validation view says so (`unknown`) rather than hiding it or guessing.

Marked by the periodic sweep: a run taken over from a dead worker has its in-flight rows
marked at once (`mark_unknown(column, run_ids)`), and any row still `sending` after
OUTBOUND_UNKNOWN_AFTER_SECONDS — longer than any connection's timeout — is marked whatever
sent it (a health check, a connection test, a run taken over by a worker's own claim).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from providers.choices import OutboundState
from providers.outbound.models import OutboundRequest


def mark_unknown(column: str = "", run_ids: Iterable[Any] = ()) -> int:
    """Mark `sending` rows unknown: those of the given runs (by `invocation_id` or
    `agent_run_id`), or with no runs given, those older than OUTBOUND_UNKNOWN_AFTER_SECONDS.
    Returns how many rows changed."""
    sending = OutboundRequest.objects.filter(state=OutboundState.SENDING)
    ids = list(run_ids)
    if column:
        if not ids:
            return 0
        sending = sending.filter(**{f"{column}__in": ids})
    else:
        age = timedelta(seconds=settings.OUTBOUND_UNKNOWN_AFTER_SECONDS)
        sending = sending.filter(created_at__lt=timezone.now() - age)
    return sending.update(state=OutboundState.UNKNOWN)
