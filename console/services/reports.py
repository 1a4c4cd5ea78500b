"""The overview, usage and health pages' charts and tables, built from the reports below.

The numbers come from `skills.services.reports` (daily totals) and `providers.health`
(health-check history); this module only turns them into charts (`console.charts`), table
cells and CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from console.charts import Chart, Series, Span, line_chart, sparkline, timeline
from providers.choices import HealthStatus
from providers.health import HealthHistory
from skills.services.reports import ProviderSummary, Totals, UsageReport

TOP_SERIES = 5  # lines on a usage chart; the rest are summed as "Other"


def _ms(value: int | None) -> str:
    return "—" if value is None else f"{value:,} ms"


def money(value: Any) -> str:
    return f"{value:,.4f}"


def provider_rows(summaries: list[ProviderSummary]) -> list[dict[str, Any]]:
    """One overview row per provider, with its sparklines (calls and failures per day)."""
    rows = []
    for s in summaries:
        labels = [f"{day:%m-%d}" for day in s.by_day]
        rows.append(
            {
                "name": s.provider.name,
                "kind": s.provider.kind,
                "mode": s.mode.upper(),
                "mode_key": s.mode,
                "health": s.health,
                "health_label": HealthStatus(s.health).label,
                "calls": f"{s.total.calls:,}",
                "failures": f"{s.total.failures:,}",
                "p50": _ms(s.total.p50_ms),
                "p95": _ms(s.total.p95_ms),
                "cost": money(s.total.cost),
                "calls_chart": sparkline(
                    f"{s.provider.name}: calls per day",
                    labels,
                    [t.calls for t in s.by_day.values()],
                ),
                "failures_chart": sparkline(
                    f"{s.provider.name}: failed calls per day",
                    labels,
                    [t.failures for t in s.by_day.values()],
                ),
            }
        )
    return rows


def _series(report: UsageReport, measure: str) -> list[Series]:
    """The top values of the report's dimension as lines of `measure`, the rest as Other."""
    keys = list(report.by_key)
    top, rest = keys[:TOP_SERIES], keys[TOP_SERIES:]
    days = report.days.all

    def value(day: Any, group: Iterable[Any]) -> float:
        return float(sum(getattr(report.daily.get((day, k), Totals()), measure) for k in group))

    series = [Series(report.names[k], [value(day, [k]) for day in days]) for k in top]
    if rest:
        series.append(Series("Other", [value(day, rest) for day in days]))
    return series


def usage_charts(report: UsageReport) -> list[Chart]:
    labels = [f"{day:%Y-%m-%d}" for day in report.days.all]
    what = report.dimension
    period = f"from {report.days.first} to {report.days.last}"
    return [
        line_chart(
            f"Calls per day by {what}",
            f"Skill invocations per day {period}, one line per {what}.",
            labels,
            _series(report, "calls"),
        ),
        line_chart(
            f"Tokens per day by {what}",
            f"Prompt and completion tokens per day {period}, one line per {what}.",
            labels,
            _series(report, "tokens"),
        ),
        line_chart(
            f"Cost per day by {what}",
            f"Cost per day {period} at the price table's rates, one line per {what}.",
            labels,
            _series(report, "cost"),
        ),
    ]


TABLE_HEADERS = [
    "Day",
    "Group",
    "Calls",
    "Failures",
    "Prompt tokens",
    "Completion tokens",
    "Cost",
    "p50 latency (ms)",
    "p95 latency (ms)",
]


def usage_table(report: UsageReport) -> list[list[str]]:
    """One row per day and value of the dimension, newest day first (the CSV's rows too)."""
    rows = []
    for (day, key), t in sorted(
        report.daily.items(), key=lambda kv: (-kv[0][0].toordinal(), report.names[kv[0][1]])
    ):
        rows.append(
            [
                day.isoformat(),
                report.names[key],
                str(t.calls),
                str(t.failures),
                str(t.prompt_tokens),
                str(t.completion_tokens),
                f"{t.cost:.6f}",
                "" if t.p50_ms is None else str(t.p50_ms),
                "" if t.p95_ms is None else str(t.p95_ms),
            ]
        )
    return rows


# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will show as text: a leading formula character gets a `'`."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def usage_csv(report: UsageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    headers = [report.dimension.capitalize() if h == "Group" else h for h in TABLE_HEADERS]
    writer.writerow(headers)
    for row in usage_table(report):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def health_charts(record: HealthHistory) -> list[Chart]:
    """The status timeline and the latency chart of one connection over the window."""
    name = record.connection.name
    spans = [
        Span(
            _local(s.start),
            _local(s.end),
            s.status,
            f"{HealthStatus(s.status).label}, {s.checks} check{'s' if s.checks != 1 else ''}"
            + (f": {s.first_message}" if s.first_message else ""),
        )
        for s in record.stretches
    ]
    since, until = _local(record.since), _local(record.until)
    counts = {
        status: sum(1 for s in record.stretches if s.status == status) for status in HealthStatus
    }
    status_desc = (
        f"Health of {name} from {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M}: "
        f"{record.count} checks; "
        + ", ".join(
            f"{n} {HealthStatus(k).label.lower()} stretch(es)" for k, n in counts.items() if n
        )
        if record.count
        else f"No health check of {name} ran in this period."
    )
    bins = record.latency
    labels = [f"{_local(at):%m-%d %H:%M}" for at, _ in bins]
    latency = line_chart(
        f"Health-check latency of {name}",
        f"Mean latency of the health checks of {name} in {len(bins)} equal slices of the "
        "period, in milliseconds; gaps where no check ran.",
        labels,
        [Series("Latency (ms)", [None if v is None else round(v) for _, v in bins])],
        unit=" ms",
    )
    return [timeline(f"Status of {name}", status_desc, since, until, spans), latency]
