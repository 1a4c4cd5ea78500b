"""Charts drawn on the server as SVG: a line chart, a sparkline and a status timeline.

No script and no style attribute (the Content-Security-Policy allows neither): shapes carry
classes that `static/css/charts.css` colours. Each chart names itself with `<title>` and
`<desc>` (read by screen readers through `aria-labelledby`) and carries the table of the
numbers it draws, which `templates/console/_chart.html` shows under it in `<details>`, so
what the chart says can be read without seeing it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

_ids = itertools.count(1)
SERIES_CLASSES = 6  # series-0 … series-5 in charts.css; more series reuse them


@dataclass
class Series:
    name: str
    values: list[float | None]


@dataclass
class Chart:
    """An SVG and the table of what it shows (`headers`, then one row per point)."""

    svg: SafeString
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (1 for an empty chart)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _open(kind: str, title: str, desc: str, width: int, height: int) -> tuple[str, SafeString]:
    ident = f"chart-{next(_ids)}"
    head = format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
        kind,
        width,
        height,
        ident,
        ident,
        ident,
        title,
        ident,
        desc,
    )
    return ident, head


def line_chart(
    title: str, desc: str, labels: Sequence[str], series: Sequence[Series], unit: str = ""
) -> Chart:
    """One line per series over the `labels` (days, hours), on a scale from zero."""
    width, height, left, right, top, bottom = 640, 220, 56, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values if v is not None), default=0.0)
    top_value = _nice_max(float(peak))
    n = len(labels)

    # Coordinates are rounded here: format_html escapes its arguments to strings first, so
    # they cannot be formatted there.
    def x(i: int) -> float:
        return round(left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h - plot_h * float(v) / top_value, 1)

    _, head = _open("line", title, desc, width, height)
    parts = [head]
    for fraction in (0, 0.5, 1):
        gy = y(top_value * fraction)
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                gy,
                gy,
                left - 6,
                round(gy + 4, 1),
                _number(top_value * fraction),
            )
        )
    for i in sorted({0, n // 2, n - 1}) if n else []:
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(
            format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="{}">{}</text>',
                x(i),
                height - 8,
                anchor,
                labels[i],
            )
        )
    for index, s in enumerate(series):
        points = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        css = f"series series-{index % SERIES_CLASSES}"
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(format_html('<polyline class="{}" points="{}"/>', css, path))
        # Dots on every point of a short series, and on points with no neighbour to join.
        lonely = [
            i
            for i, v in enumerate(s.values)
            if v is not None
            and (i == 0 or s.values[i - 1] is None)
            and (i == n - 1 or s.values[i + 1] is None)
        ]
        dotted = range(n) if n <= 31 else lonely
        if dotted:
            parts.append(
                format_html_join(
                    "",
                    '<circle class="{}" cx="{}" cy="{}" r="2.5"><title>{}</title></circle>',
                    (
                        (css, x(i), y(v), f"{s.name}, {labels[i]}: {_number(v)}{unit}")
                        for i in dotted
                        if (v := s.values[i]) is not None
                    ),
                )
            )
    parts.append(SafeString("</svg>"))
    rows = [[label, *(_number(s.values[i]) for s in series)] for i, label in enumerate(labels)]
    return Chart(
        svg=SafeString("".join(parts)),
        title=title,
        headers=["", *(s.name for s in series)],
        rows=rows,
    )


def sparkline(title: str, labels: Sequence[str], values: Sequence[float | None]) -> Chart:
    """A small line without axes, its numbers in its table."""
    width, height, pad = 120, 28, 2
    peak = _nice_max(float(max((v for v in values if v is not None), default=0)))
    n = len(values)
    points = [
        (
            round(pad + ((width - 2 * pad) * i / (n - 1) if n > 1 else (width - 2 * pad) / 2), 1),
            round(height - pad - (height - 2 * pad) * float(v) / peak, 1),
        )
        for i, v in enumerate(values)
        if v is not None
    ]
    desc = ", ".join(f"{label}: {_number(v)}" for label, v in zip(labels, values, strict=True))
    _, head = _open("spark", title, desc or "no data", width, height)
    body = ""
    if len(points) > 1:
        body = format_html(
            '<polyline class="series series-0" points="{}"/>',
            " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        )
    elif points:
        body = format_html('<circle class="series series-0" cx="{}" cy="{}" r="2"/>', *points[0])
    return Chart(
        svg=SafeString(head + body + "</svg>"),
        title=title,
        headers=["", title],
        rows=[[label, _number(v)] for label, v in zip(labels, values, strict=True)],
    )


@dataclass
class Span:
    """A stretch of time in one state (`state` is a CSS class: healthy, degraded, down)."""

    start: datetime
    end: datetime
    state: str
    label: str


def timeline(title: str, desc: str, start: datetime, end: datetime, spans: Sequence[Span]) -> Chart:
    """Coloured bands over [start, end], one per span, with the time axis' ends labelled."""
    width, height, band = 640, 44, 22
    total = max((end - start).total_seconds(), 1.0)

    def x(when: datetime) -> float:
        seconds = min(max((when - start).total_seconds(), 0.0), total)
        return round(8 + (width - 16) * seconds / total, 1)

    _, head = _open("timeline", title, desc, width, height)
    parts = [
        head,
        format_html('<rect class="track" x="8" y="2" width="{}" height="{}"/>', width - 16, band),
    ]
    for span in spans:
        left, right = x(span.start), x(span.end)
        parts.append(
            format_html(
                '<rect class="span {}" x="{}" y="2" width="{}" height="{}">'
                "<title>{}</title></rect>",
                span.state,
                left,
                round(max(right - left, 1.0), 1),
                band,
                span.label,
            )
        )
    for when, anchor, at in ((start, "start", 8), (end, "end", width - 8)):
        parts.append(
            format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="{}">{}</text>',
                at,
                height - 4,
                anchor,
                f"{when:%Y-%m-%d %H:%M}",
            )
        )
    parts.append(SafeString("</svg>"))
    return Chart(
        svg=SafeString("".join(parts)),
        title=title,
        headers=["From", "To", "Status"],
        rows=[[f"{s.start:%Y-%m-%d %H:%M}", f"{s.end:%Y-%m-%d %H:%M}", s.label] for s in spans],
    )
