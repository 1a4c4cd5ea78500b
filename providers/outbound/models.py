"""The outbound HTTPS log: one row per request sent to a provider, the evidence of the
validation view (which account each call went to)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from providers.choices import LogLevel, OutboundState, Purpose, Route

# The validation view's filter columns, each with a (column, created_at, id) index that
# carries the other filter columns too: a page filtered on several columns walks one index
# range and reads the rest from it, without visiting a row that does not match
# (providers.outbound.queries). PostgreSQL only; elsewhere the included columns are left out.
FILTER_INDEXES = {
    "provider": "outbound_provider_page",
    "connection": "outbound_conn_page",
    "route": "outbound_route_page",
    "host": "outbound_host_page",
    "status_code": "outbound_status_page",
}
FILTER_COLUMNS = (*FILTER_INDEXES, "purpose")


def _filter_index(field: str, name: str) -> models.Index:
    return models.Index(
        fields=[field, "-created_at", "-id"],
        include=[f for f in FILTER_COLUMNS if f != field],
        name=name,
    )


class OutboundRequest(models.Model):
    """One HTTP request sent to a provider (each attempt is its own row).

    Basic level keeps the fields below; elevated adds redacted headers and the query; all adds
    bodies (redacted, size-capped). The indexes serve the validation view's filters with keyset
    pagination on (created_at, id).
    """

    created_at = models.DateTimeField(db_index=False)
    provider = models.ForeignKey(
        "providers.Provider", null=True, on_delete=models.SET_NULL, db_index=False
    )
    connection = models.ForeignKey(
        "providers.Connection", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    route = models.CharField(max_length=4, choices=Route.choices, blank=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    account = models.CharField(
        max_length=200,
        blank=True,
        help_text="Azure resource, AWS access key id + region, GCP project or key fingerprint.",
    )
    # The run that made the request, by id only: the log is written below `skills` and must
    # outlive the runs it names (retention purges each on its own clock). Indexed in Meta.
    invocation_id = models.UUIDField(null=True, blank=True)
    agent_run_id = models.UUIDField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)

    method = models.CharField(max_length=8)
    scheme = models.CharField(max_length=5, default="https")
    host = models.CharField(max_length=255)
    path = models.CharField(max_length=1000)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    request_bytes = models.PositiveIntegerField(default=0)
    response_bytes = models.PositiveIntegerField(default=0)
    provider_request_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    state = models.CharField(
        max_length=8, choices=OutboundState.choices, default=OutboundState.DONE
    )

    level = models.CharField(max_length=8, choices=LogLevel.choices, default=LogLevel.BASIC)
    query = models.CharField(max_length=1000, blank=True)
    request_headers = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(null=True, blank=True)
    request_body = models.TextField(blank=True)
    response_body = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="outbound_time"),
            *(_filter_index(field, name) for field, name in FILTER_INDEXES.items()),
            models.Index(fields=["invocation_id"], name="outbound_invocation"),
            models.Index(fields=["agent_run_id"], name="outbound_agent_run"),
            # The few rows still in flight (or left so by a dead process), for the sweeper.
            models.Index(
                fields=["created_at"],
                condition=Q(state=OutboundState.SENDING),
                name="outbound_sending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.host}{self.path} → {self.status_code or self.error}"
