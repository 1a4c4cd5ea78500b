"""What the overview and the usage pages show, read from the daily totals only.

Every figure here comes from `usage_rows` (the `UsageDaily` aggregates plus the few
invocations not rolled up yet), never from a scan of raw invocations, so the pages cost the
same at a thousand invocations as at a million. The one raw read is the list of recent
failures, which walks the (status, created_at) index for a handful of rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from providers.choices import ConnectionOwner, IntegrationMode, Route
from providers.health import worst_status
from providers.models import Connection, Provider
from skills import latency
from skills.choices import InvocationStatus
from skills.models import Invocation, Skill
from skills.services.usage import usage_rows

# Period key → (label, days covered, today included). Totals are daily, so "24 h" is read
# as today and yesterday: it covers the last 24 hours and up to a day more.
PERIODS: dict[str, tuple[str, int]] = {
    "24h": ("Last 24 h (today and yesterday)", 2),
    "7d": ("Last 7 days", 7),
    "30d": ("Last 30 days", 30),
}
DEFAULT_PERIOD = "7d"
MAX_DAYS = 366

# Usage page dimension → the UsageDaily column it groups by.
DIMENSIONS: dict[str, tuple[str, str]] = {
    "provider": ("Provider", "provider_id"),
    "connection": ("Connection", "connection_id"),
    "model": ("Model", "model"),
    "skill": ("Skill", "skill_id"),
    "route": ("Route", "route"),
}


@dataclass
class Days:
    """An inclusive range of local days."""

    first: datetime.date
    last: datetime.date

    @property
    def all(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range(self.length)]

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1


def period_days(key: str, today: datetime.date | None = None) -> Days:
    """The days a period key covers, ending today. ValueError for an unknown key."""
    if key not in PERIODS:
        raise ValueError(f"Unknown period {key!r}: choose one of {', '.join(PERIODS)}.")
    today = today or timezone.localdate()
    return Days(today - datetime.timedelta(days=PERIODS[key][1] - 1), today)


@dataclass
class Totals:
    """Summed usage of some group: counts, tokens, cost and the latency histogram."""

    calls: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)
    buckets: list[int] = field(default_factory=lambda: [0] * latency.BUCKETS)

    def add(self, row: dict[str, Any]) -> None:
        self.calls += row["invocations"]
        self.failures += row["failures"]
        self.prompt_tokens += row["prompt_tokens"]
        self.completion_tokens += row["completion_tokens"]
        self.cost += row["cost"]
        self.buckets = [n + row[c] for n, c in zip(self.buckets, latency.COLUMNS, strict=True)]

    def merge(self, other: Totals) -> None:
        """Add another group's totals (cheaper than adding its rows again)."""
        self.calls += other.calls
        self.failures += other.failures
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost += other.cost
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def p50_ms(self) -> int | None:
        return latency.percentile_ms(self.buckets, 0.50)

    @property
    def p95_ms(self) -> int | None:
        return latency.percentile_ms(self.buckets, 0.95)


@dataclass
class ProviderSummary:
    provider: Provider
    mode: str  # IntegrationMode: oem | byok
    health: str
    total: Totals
    by_day: dict[datetime.date, Totals]


_OWNER: dict[str, str] = {
    IntegrationMode.BYOK: ConnectionOwner.CUSTOMER,
    IntegrationMode.OEM: ConnectionOwner.PLATFORM,
}


def provider_summaries(days: Days) -> list[ProviderSummary]:
    """Per provider: its mode, the worst health of the active connections its mode routes
    to (the customer's under BYOK, the platform's under OEM), and its usage over `days`, in
    total and per day (for the sparklines)."""
    by_provider: dict[int, dict[datetime.date, Totals]] = defaultdict(lambda: defaultdict(Totals))
    for row in usage_rows(("day", "provider_id"), days.first, days.last):
        by_provider[row["provider_id"]][row["day"]].add(row)
    statuses: dict[tuple[int, str], list[str]] = defaultdict(list)
    for provider_id, owner, status in Connection.objects.filter(is_active=True).values_list(
        "provider_id", "owner", "health_status"
    ):
        statuses[(provider_id, owner)].append(status)
    summaries = []
    for provider in Provider.objects.order_by("name"):
        daily = by_provider.get(provider.pk, {})
        total = Totals()
        for day_total in daily.values():
            total.merge(day_total)
        summaries.append(
            ProviderSummary(
                provider=provider,
                mode=provider.integration_mode,
                health=worst_status(
                    statuses.get((provider.pk, _OWNER[provider.integration_mode]), [])
                ),
                total=total,
                by_day={day: daily.get(day, Totals()) for day in days.all},
            )
        )
    return summaries


def recent_failures(days: Days, limit: int = 10) -> list[Invocation]:
    """The newest failed invocations in the period, with the error code and message each
    carries (its diagnosis)."""
    start = timezone.make_aware(datetime.datetime.combine(days.first, datetime.time.min))
    return list(
        Invocation.objects.filter(status=InvocationStatus.FAILED, created_at__gte=start)
        .select_related("skill", "provider", "connection")
        .only(
            "id",
            "created_at",
            "error_code",
            "error_message",
            "route",
            "model",
            "skill__name",
            "provider__name",
            "connection__name",
        )
        .order_by("-created_at")[:limit]
    )


@dataclass
class UsageReport:
    """Usage grouped by one dimension per day: the table rows and the chart series."""

    dimension: str
    days: Days
    names: dict[Any, str]  # the dimension's value → what the page calls it
    by_key: dict[Any, Totals]  # total per dimension value, largest first
    daily: dict[tuple[datetime.date, Any], Totals]  # (day, value) → totals
    total: Totals


def usage_report(dimension: str, days: Days, **filters: Any) -> UsageReport:
    """Calls, tokens and cost per day and per `dimension` value over `days`."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown grouping {dimension!r}: choose one of {', '.join(DIMENSIONS)}.")
    column = DIMENSIONS[dimension][1]
    daily: dict[tuple[datetime.date, Any], Totals] = defaultdict(Totals)
    by_key: dict[Any, Totals] = defaultdict(Totals)
    total = Totals()
    for row in usage_rows(("day", column), days.first, days.last, **filters):
        daily[(row["day"], row[column])].add(row)
    for (_day, key), day_total in daily.items():
        by_key[key].merge(day_total)
        total.merge(day_total)
    ordered = dict(sorted(by_key.items(), key=lambda kv: (-kv[1].calls, str(kv[0]))))
    return UsageReport(
        dimension=dimension,
        days=days,
        names=_names(dimension, list(ordered)),
        by_key=ordered,
        daily=dict(daily),
        total=total,
    )


def _names(dimension: str, keys: Sequence[Any]) -> dict[Any, str]:
    """Display names of a dimension's values; a value whose row is gone says so."""
    model: Any = {"provider": Provider, "connection": Connection, "skill": Skill}.get(dimension)
    if model is None:
        labels = {"route": dict(Route.choices)}
        return {k: labels.get(dimension, {}).get(k, str(k) or "—") for k in keys}
    found = dict(model.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    return {k: found.get(k, "(deleted)" if k else "(not recorded)") for k in keys}
