"""Operators' metrics for Prometheus, computed from the database when scraped.

Every figure is an aggregate the database answers from a small table or an index range, so
a scrape costs the same on a log of millions of rows:

- calls, failures, tokens and cost of skill runs: counters from the daily usage totals
  (`skills.services.usage.usage_totals`: the rolled-up days plus the pending tail);
- outbound requests, errors and a latency histogram per provider and connection over the
  last few minutes (one grouped query over the outbound log's time index);
- runs waiting in the queue (the runs' status index);
- each connection's health (the connections table).

Nothing is kept in the process: any web process answers a scrape with the same figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from providers.choices import HealthStatus, OutboundState
from providers.models import Connection, Provider
from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus
from skills.models import AgentRun, Invocation
from skills.services.usage import usage_totals

# The recent window the outbound figures cover, and the latency buckets (seconds).
WINDOW = timedelta(minutes=5)
BUCKETS_MS = (100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000)
HEALTH_VALUES: dict[str, float] = {
    HealthStatus.HEALTHY: 1.0,
    HealthStatus.DEGRADED: 0.5,
    HealthStatus.DOWN: 0.0,
    HealthStatus.UNKNOWN: -1.0,
}


class ConsoleCollector(Collector):
    """The console's figures, read at each scrape."""

    def collect(self) -> Iterator[Metric]:
        kinds = dict(Provider.objects.values_list("id", "kind"))
        yield from _usage(kinds)
        yield from _outbound(kinds)
        yield from _queue()
        yield from _health()


def _usage(kinds: dict[int, str]) -> Iterator[Metric]:
    labels = ["provider", "route"]
    calls = CounterMetricFamily("byok_invocations", "Skill invocations finished.", labels=labels)
    failures = CounterMetricFamily(
        "byok_invocation_failures", "Skill invocations that failed.", labels=labels
    )
    tokens = CounterMetricFamily(
        "byok_tokens", "Tokens used by skill invocations.", labels=[*labels, "kind"]
    )
    cost = CounterMetricFamily(
        "byok_cost", "Cost of skill invocations, in the price table's currency.", labels=labels
    )
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for row in usage_totals():
        key = (kinds.get(row["provider_id"], "none"), row["route"] or "none")
        into = totals.setdefault(key, dict.fromkeys(("n", "f", "p", "c", "cost"), 0))
        into["n"] += row["invocations"]
        into["f"] += row["failures"]
        into["p"] += row["prompt_tokens"] or 0
        into["c"] += row["completion_tokens"] or 0
        into["cost"] += row["cost"] or 0
    for key, t in sorted(totals.items()):
        calls.add_metric(list(key), t["n"])
        failures.add_metric(list(key), t["f"])
        tokens.add_metric([*key, "prompt"], t["p"])
        tokens.add_metric([*key, "completion"], t["c"])
        cost.add_metric(list(key), float(t["cost"]))
    yield from (calls, failures, tokens, cost)


def _outbound(kinds: dict[int, str]) -> Iterator[Metric]:
    labels = ["provider", "connection"]
    window = f"{int(WINDOW.total_seconds())}s"
    requests = GaugeMetricFamily(
        "byok_outbound_requests",
        f"Requests sent to providers in the last {window}.",
        labels=labels,
    )
    errors = GaugeMetricFamily(
        "byok_outbound_errors",
        f"Requests in the last {window} that failed (status 400 or more, or no answer).",
        labels=labels,
    )
    latency = GaugeHistogramMetricFamily(
        "byok_outbound_latency_seconds",
        f"Latency of the requests answered in the last {window}.",
        labels=labels,
    )
    buckets = {
        f"le_{ms}": Count("id", filter=Q(latency_ms__lte=ms, latency_ms__isnull=False))
        for ms in BUCKETS_MS
    }
    rows = (
        OutboundRequest.objects.filter(
            created_at__gte=timezone.now() - WINDOW, state=OutboundState.DONE
        )
        .order_by()
        .values("provider_id", "connection__name")
        .annotate(
            total=Count("id"),
            failed=Count("id", filter=Q(status_code__gte=400) | Q(status_code__isnull=True)),
            timed=Count("id", filter=Q(latency_ms__isnull=False)),
            latency_sum=Sum("latency_ms"),
            **buckets,
        )
    )
    for values in rows:
        row: dict[str, Any] = dict(values)
        key = [kinds.get(row["provider_id"], "none"), row["connection__name"] or "none"]
        requests.add_metric(key, row["total"])
        errors.add_metric(key, row["failed"])
        latency.add_metric(
            key,
            [(str(ms / 1000), row[f"le_{ms}"]) for ms in BUCKETS_MS] + [("+Inf", row["timed"])],
            (row["latency_sum"] or 0) / 1000,
        )
    yield from (requests, errors, latency)


def _queue() -> Iterator[Metric]:
    queued = GaugeMetricFamily("byok_runs_queued", "Runs waiting for a worker.", labels=["kind"])
    queued.add_metric(
        ["invocation"], Invocation.objects.filter(status=InvocationStatus.QUEUED).count()
    )
    queued.add_metric(["agent"], AgentRun.objects.filter(status=InvocationStatus.QUEUED).count())
    yield queued


def _health() -> Iterator[Metric]:
    labels = ["provider", "connection"]
    health = GaugeMetricFamily(
        "byok_connection_health",
        "Health of each active connection: 1 healthy, 0.5 degraded, 0 down, -1 not checked.",
        labels=labels,
    )
    failures = GaugeMetricFamily(
        "byok_connection_consecutive_failures",
        "Health checks failed in a row.",
        labels=labels,
    )
    for kind, name, status, failed in Connection.objects.filter(is_active=True).values_list(
        "provider__kind", "name", "health_status", "consecutive_failures"
    ):
        health.add_metric([kind, name], HEALTH_VALUES.get(status, -1.0))
        failures.add_metric([kind, name], failed)
    yield from (health, failures)
