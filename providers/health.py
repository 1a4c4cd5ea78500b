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
    status: str  # the status this check left the connection in
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
    checks: list[Check] = field(default_factory=list)
    stretches: list[Stretch] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


def _status_after(failures: int) -> str:
    if failures == 0:
        return HealthStatus.HEALTHY
    return HealthStatus.DOWN if failures >= DOWN_AFTER else HealthStatus.DEGRADED


def _checks(connection: Connection, since: datetime, until: datetime) -> list[Check]:
    """The health checks in the window, oldest first, each with the status it left.

    The failures before the window that are still running are counted in, so a check's
    status is the one `run_health_check` gave it.
    """
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
    rows = (
        HealthCheck.objects.filter(
            connection=connection, kind="health", checked_at__gte=since, checked_at__lte=until
        )
        .order_by("checked_at", "id")
        .values_list("checked_at", "ok", "latency_ms", "diagnosis", "message")
    )
    checks = []
    for at, ok, latency_ms, diagnosis, message in rows.iterator():
        failures = 0 if ok else failures + 1
        checks.append(Check(at, ok, _status_after(failures), latency_ms, diagnosis, message))
    return checks


def _stretches(checks: Iterable[Check], until: datetime) -> list[Stretch]:
    """Consecutive checks in one status merged; each stretch ends where the next begins."""
    stretches: list[Stretch] = []
    for check in checks:
        if stretches and stretches[-1].status == check.status:
            stretches[-1].checks += 1
            continue
        if stretches:
            stretches[-1].end = check.at
        stretches.append(
            Stretch(check.at, until, check.status, 1, "" if check.ok else check.message)
        )
    return stretches


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
    sentences = [
        f"{word}{since}: the last {failures} health check{'s' if failures != 1 else ''} "
        f"failed ({rule}). {last}"
    ]
    if connection.last_check_message:
        sentences.append(f"What failed: {connection.last_check_message}")
    sentences.append(
        f"Last success: {_when(last_ok)}." if last_ok else "No health check has succeeded yet."
    )
    return sentences


def history(
    connection: Connection, since: datetime, until: datetime | None = None
) -> HealthHistory:
    """The connection's checks, stretches and explanation over [since, until]."""
    until = until or timezone.now()
    checks = _checks(connection, since, until)
    return HealthHistory(
        connection=connection,
        since=since,
        until=until,
        checks=checks,
        stretches=_stretches(checks, until),
        explanation=explain(connection),
    )


def latency_bins(
    checks: list[Check], since: datetime, until: datetime, bins: int
) -> list[tuple[datetime, float | None]]:
    """Mean latency of the checks in each of `bins` equal slices of the window (None where
    no check ran), so a month of checks every five minutes draws as a readable line."""
    width = (until - since) / bins
    sums = [0.0] * bins
    counts = [0] * bins
    for check in checks:
        if check.latency_ms is None:
            continue
        index = min(bins - 1, int((check.at - since) / width)) if width > timedelta(0) else 0
        sums[index] += check.latency_ms
        counts[index] += 1
    return [(since + width * i, sums[i] / counts[i] if counts[i] else None) for i in range(bins)]


def worst_status(statuses: Iterable[str]) -> str:
    """The most severe of several connections' statuses (unknown when there are none)."""
    return max(statuses, key=lambda s: SEVERITY.get(s, 1), default=HealthStatus.UNKNOWN)
