"""A connection's health over time, from its health-check history, and in words.

`services.run_health_check` writes one `HealthCheck` row per check and keeps the
connection's current status (1-2 consecutive failures → degraded, 3+ → down). This module
reads that history back: the stretches of time in each state (a timeline), the latency of
each check, and a sentence saying what failed, when and since when. Connection tests
(`kind="test"`) are an administrator's trial runs and do not change the status, so they are
left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Lag, RowNumber, TruncHour
from django.utils import timezone

from providers.choices import HealthStatus
from providers.models import Connection, HealthCheck
from providers.services import DOWN_AFTER

# The worse of two statuses wins when a provider's connections are summed up.
SEVERITY: dict[str, int] = {
    HealthStatus.HEALTHY: 0,
    HealthStatus.UNKNOWN: 1,
    HealthStatus.DEGRADED: 2,
    HealthStatus.DOWN: 3,
}


@dataclass
class Check:
    at: datetime
    ok: bool
    latency_ms: int | None
    diagnosis: str
    message: str


@dataclass
class Stretch:
    start: datetime
    end: datetime
    status: str
    checks: int
    first_message: str = ""


@dataclass
class HealthHistory:
    connection: Connection
    since: datetime
    until: datetime
    count: int = 0  # health checks in the window
    stretches: list[Stretch] = field(default_factory=list)
    latency: list[tuple[datetime, float | None]] = field(default_factory=list)
    failures: list[Check] = field(default_factory=list)  # newest first
    explanation: list[str] = field(default_factory=list)


def _status_after(failures: int) -> str:
    if failures == 0:
        return HealthStatus.HEALTHY
    return HealthStatus.DOWN if failures >= DOWN_AFTER else HealthStatus.DEGRADED


def _window(connection: Connection, since: datetime, until: datetime) -> QuerySet[HealthCheck]:
    return HealthCheck.objects.filter(
        connection=connection, kind="health", checked_at__gte=since, checked_at__lte=until
    )


def _failures_before(connection: Connection, since: datetime) -> int:
    """Failed checks in a row just before the window (up to DOWN_AFTER): the run the
    window's first checks continue."""
    before = (
        HealthCheck.objects.filter(connection=connection, kind="health", checked_at__lt=since)
        .order_by("-checked_at")
        .values_list("ok", flat=True)[:DOWN_AFTER]
    )
    failures = 0
    for ok in before:
        if ok:
            break
        failures += 1
    return failures


def _stretches(
    connection: Connection, since: datetime, until: datetime
) -> tuple[int, list[Stretch]]:
    """The window's checks merged into stretches of one status (each ending where the next
    begins), and how many checks the window holds.

    A month of checks every five minutes is 8,640 rows per connection; reading them all
    cost ~30 ms, most of it making datetimes. The database sends only the checks where the
    status can change instead — the window's first DOWN_AFTER, every change between success
    and failure, and the DOWN_AFTER-th failure of a run (where degraded turns down) — each
    with its row number, so the checks between them are counted without being read.
    """
    order = [F("checked_at").asc(), F("id").asc()]
    lags = {f"lag{k}": Window(Lag("ok", k), order_by=order) for k in range(1, DOWN_AFTER + 1)}
    turns_down = Q(ok=False, lag1=False) & Q(**{f"lag{DOWN_AFTER}": True})
    for k in range(2, DOWN_AFTER):
        turns_down &= Q(**{f"lag{k}": False})
    rows = list(
        _window(connection, since, until)
        .annotate(row=Window(RowNumber(), order_by=order), **lags)
        .filter(Q(row__lte=DOWN_AFTER) | ~Q(ok=F("lag1")) | turns_down)
        .order_by("checked_at", "id")
        .values_list("row", "checked_at", "ok", "message")
    )
    count = _window(connection, since, until).count()
    failures = _failures_before(connection, since)
    stretches: list[Stretch] = []
    last_row, last_ok = 0, True
    for row, at, ok, message in rows:
        between = row - last_row - 1  # checks not read: the same outcome as the last one read
        if not last_ok:
            failures += between
        failures = 0 if ok else failures + 1
        status = _status_after(failures)
        if stretches and stretches[-1].status == status:
            stretches[-1].checks += between + 1
        else:
            if stretches:
                stretches[-1].checks += between
                stretches[-1].end = at
            stretches.append(Stretch(at, until, status, 1, "" if ok else message))
        last_row, last_ok = row, ok
    if stretches:
        stretches[-1].checks += count - last_row
    return count, stretches


def latency_bins(
    connection: Connection, since: datetime, until: datetime, bins: int
) -> list[tuple[datetime, float | None]]:
    """Mean latency of the checks in each of `bins` equal slices of the window (None where
    no check ran), so a month of checks draws as a readable line. The database sums the
    latencies per hour; the hours are shared out among the slices here."""
    width = (until - since) / bins
    sums = [0.0] * bins
    counts = [0] * bins
    hours = (
        _window(connection, since, until)
        .exclude(latency_ms=None)
        .annotate(hour=TruncHour("checked_at"))
        .order_by()
        .values_list("hour")
        .annotate(total=Sum("latency_ms"), checks=Count("id"))
    )
    for hour, total, checks in hours:
        middle = hour + timedelta(minutes=30)  # an hour's checks placed at its middle
        index = min(bins - 1, max(0, int((middle - since) / width))) if width > timedelta(0) else 0
        sums[index] += total
        counts[index] += checks
    return [(since + width * i, sums[i] / counts[i] if counts[i] else None) for i in range(bins)]


def recent_failures(
    connection: Connection, since: datetime, until: datetime, limit: int = 20
) -> list[Check]:
    rows = (
        _window(connection, since, until)
        .filter(ok=False)
        .order_by("-checked_at", "-id")
        .values_list("checked_at", "ok", "latency_ms", "diagnosis", "message")[:limit]
    )
    return [Check(*row) for row in rows]


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def explain(connection: Connection) -> list[str]:
    """The connection's state in sentences: what failed, when, and since when."""
    status = connection.health_status
    if not connection.is_active:
        return ["This connection is inactive: it is not health-checked and serves no calls."]
    if status == HealthStatus.UNKNOWN or connection.last_checked_at is None:
        return [
            "No health check has run yet: checks run every few minutes while the connection "
            "is active."
        ]
    last = f"Last checked {_when(connection.last_checked_at)}."
    if status == HealthStatus.HEALTHY:
        return [f"Healthy: the last health check succeeded. {last}"]
    failures = connection.consecutive_failures
    last_ok = (
        HealthCheck.objects.filter(connection=connection, kind="health", ok=True)
        .order_by("-checked_at")
        .values_list("checked_at", flat=True)
        .first()
    )
    first_failure = (
        HealthCheck.objects.filter(connection=connection, kind="health", ok=False)
        .filter(**({"checked_at__gt": last_ok} if last_ok else {}))
        .order_by("checked_at")
        .values_list("checked_at", flat=True)
        .first()
    )
    word = "Down" if status == HealthStatus.DOWN else "Degraded"
    rule = (
        f"{DOWN_AFTER} or more failed checks in a row mark a connection down"
        if status == HealthStatus.DOWN
        else f"1 to {DOWN_AFTER - 1} failed checks in a row mark a connection degraded"
    )
    since = f" since {_when(first_failure)}" if first_failure else ""
    which = "the last health check" if failures == 1 else f"the last {failures} health checks"
    sentences = [f"{word}{since}: {which} failed ({rule}). {last}"]
    if connection.last_check_message:
        sentences.append(f"What failed: {connection.last_check_message}")
    sentences.append(
        f"Last success: {_when(last_ok)}." if last_ok else "No health check has succeeded yet."
    )
    return sentences


def history(
    connection: Connection, since: datetime, until: datetime | None = None, bins: int = 48
) -> HealthHistory:
    """The connection's stretches, latency and failures over [since, until], explained."""
    until = until or timezone.now()
    count, stretches = _stretches(connection, since, until)
    return HealthHistory(
        connection=connection,
        since=since,
        until=until,
        count=count,
        stretches=stretches,
        latency=latency_bins(connection, since, until, bins) if count else [],
        failures=recent_failures(connection, since, until),
        explanation=explain(connection),
    )


def worst_status(statuses: Iterable[str]) -> str:
    """The most severe of several connections' statuses (unknown when there are none)."""
    return max(statuses, key=lambda s: SEVERITY.get(s, 1), default=HealthStatus.UNKNOWN)


def with_last_test(connections: QuerySet[Connection]) -> QuerySet[Connection]:
    """Annotate each connection with its latest connection test (`kind="test"`): when, whether
    it passed, and its diagnosis — one correlated subquery per column, on the
    (connection, -checked_at) index."""
    latest = HealthCheck.objects.filter(connection=OuterRef("pk"), kind="test").order_by(
        "-checked_at", "-pk"
    )
    return connections.annotate(
        last_test_at=Subquery(latest.values("checked_at")[:1]),
        last_test_ok=Subquery(latest.values("ok")[:1]),
        last_test_message=Subquery(latest.values("message")[:1]),
    )
