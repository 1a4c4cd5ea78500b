"""What each kind of rule finds firing now: one Finding per subject (a connection, or the
spend of a provider or of the instance). A subject absent from the findings is fine, and
the engine resolves its open incident.

Each condition is one aggregate query over an indexed range (the outbound log's time index
for rates and latency, the daily usage totals for spend), never a row per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet

from monitoring.choices import RuleKind
from monitoring.models import AlertRule
from providers.choices import ConnectionOwner, HealthStatus, OutboundState
from providers.models import Connection, HealthCheck
from providers.outbound.models import OutboundRequest
from skills.services.usage import usage_totals


@dataclass(frozen=True)
class Finding:
    subject: str
    label: str
    message: str


def connection_subject(connection_id: int) -> str:
    return f"connection:{connection_id}"


def _connections(rule: AlertRule) -> QuerySet[Connection]:
    """The connections a rule watches: the one it names, else every active customer one
    (the platform's own connections are watched only by a rule naming one, which only the
    platform operator can choose)."""
    qs = Connection.objects.filter(is_active=True).select_related("provider")
    if rule.connection_id:
        qs = qs.filter(pk=rule.connection_id)
    else:
        qs = qs.filter(owner=ConnectionOwner.CUSTOMER)
    if rule.provider_id:
        qs = qs.filter(provider_id=rule.provider_id)
    return qs


def _down(rule: AlertRule, now: datetime) -> list[Finding]:
    return [
        Finding(
            connection_subject(c.pk),
            c.name,
            f"Connection {c.name} ({c.provider.name}) is down: {c.last_check_message}".strip(),
        )
        for c in _connections(rule).filter(health_status=HealthStatus.DOWN)
    ]


def _traffic(rule: AlertRule, now: datetime) -> list[Finding]:
    """Error rate or average latency per connection over the rule's window."""
    names = {c.pk: c.name for c in _connections(rule)}
    rows = (
        OutboundRequest.objects.filter(
            created_at__gte=now - timedelta(minutes=rule.window_minutes),
            created_at__lt=now,
            connection_id__in=list(names),
            state=OutboundState.DONE,
        )
        .order_by()
        .values("connection_id")
        .annotate(
            total=Count("id"),
            errors=Count("id", filter=Q(status_code__gte=400) | Q(status_code__isnull=True)),
            latency=Avg("latency_ms"),
        )
    )
    threshold = Decimal(rule.threshold or 0)
    findings = []
    for row in rows:
        if row["total"] < max(rule.min_requests, 1):
            continue
        name = names[row["connection_id"]]
        if rule.kind == RuleKind.ERROR_RATE:
            rate = Decimal(100 * row["errors"]) / row["total"]
            if rate > threshold:
                findings.append(
                    Finding(
                        connection_subject(row["connection_id"]),
                        name,
                        f"Connection {name}: {rate:.1f} % of {row['total']} requests failed in "
                        f"the last {rule.window_minutes} min (threshold {threshold} %).",
                    )
                )
        elif row["latency"] is not None and Decimal(row["latency"]) > threshold:
            findings.append(
                Finding(
                    connection_subject(row["connection_id"]),
                    name,
                    f"Connection {name}: average latency {row['latency']:.0f} ms over "
                    f"{row['total']} requests in the last {rule.window_minutes} min "
                    f"(threshold {threshold} ms).",
                )
            )
    return findings


def _spend(rule: AlertRule, now: datetime) -> list[Finding]:
    today = now.date()
    filters = {"provider_id": rule.provider_id} if rule.provider_id else {}
    total = sum(
        (Decimal(r["cost"] or 0) for r in usage_totals(today, today, **filters)), Decimal(0)
    )
    threshold = Decimal(rule.threshold or 0)
    if total <= threshold:
        return []
    scope = rule.provider.name if rule.provider else "all providers"
    return [
        Finding(
            "spend:" + (str(rule.provider_id) if rule.provider_id else "all"),
            f"spend of {scope}",
            f"Spend of {scope} on {today:%Y-%m-%d} is {total:.2f}, above {threshold}.",
        )
    ]


def _credential(rule: AlertRule, now: datetime) -> list[Finding]:
    connection = _connections(rule).first()
    if connection is None:
        return []
    problems = []
    last = (
        HealthCheck.objects.filter(connection=connection)
        .order_by("-checked_at", "-id")
        .values_list("ok", "diagnosis")
        .first()
    )
    if last is not None and not last[0] and last[1] in ("auth", "permission"):
        problems.append("its credential was refused at the last check")
    if rule.expires_on is not None:
        days_left = (rule.expires_on - now.date()).days
        warn = int(rule.threshold or 0)
        if days_left < 0:
            problems.append(f"its credential expired on {rule.expires_on:%Y-%m-%d}")
        elif days_left <= warn:
            problems.append(f"its credential expires on {rule.expires_on:%Y-%m-%d}")
    if not problems:
        return []
    return [
        Finding(
            connection_subject(connection.pk),
            connection.name,
            f"Connection {connection.name}: {' and '.join(problems)}.",
        )
    ]


CONDITIONS = {
    RuleKind.CONNECTION_DOWN: _down,
    RuleKind.ERROR_RATE: _traffic,
    RuleKind.LATENCY: _traffic,
    RuleKind.DAILY_SPEND: _spend,
    RuleKind.CREDENTIAL: _credential,
}


def findings(rule: AlertRule, now: datetime) -> dict[str, Finding]:
    """What the rule finds firing at `now`, by subject."""
    return {f.subject: f for f in CONDITIONS[RuleKind(rule.kind)](rule, now)}
