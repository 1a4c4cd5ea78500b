"""The server-drawn charts: named for screen readers, carrying the numbers they draw, safe
with any name, and drawn to scale."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from console.charts import Series, Span, line_chart, sparkline, timeline


def test_a_line_chart_names_itself_and_carries_its_data() -> None:
    chart = line_chart(
        "Calls per day",
        "Calls per day by skill.",
        ["2026-12-01", "2026-12-02", "2026-12-03"],
        [Series("Summaries", [1, 4, None]), Series("Notes", [0, 2.5, 3])],
    )
    svg = str(chart.svg)
    ident = re.search(r'aria-labelledby="(chart-\d+)-t \1-d"', svg).group(1)
    assert f'<title id="{ident}-t">Calls per day</title>' in svg
    assert f'<desc id="{ident}-d">Calls per day by skill.</desc>' in svg
    assert 'role="img"' in svg
    assert "style=" not in svg  # the Content-Security-Policy refuses inline style
    assert chart.headers == ["", "Summaries", "Notes"]
    assert chart.rows == [
        ["2026-12-01", "1", "0"],
        ["2026-12-02", "4", "2.5"],
        ["2026-12-03", "—", "3"],
    ]
    # Scale from zero to 5 (the next 1-2-5 step above 4): 4 is drawn at 80 % of the height.
    assert '<text class="axis" x="50" y="16.0" text-anchor="end">5</text>' in svg
    assert svg.count("<polyline") == 2


def test_names_are_escaped_everywhere() -> None:
    evil = '<script>alert(1)</script>"&'
    chart = line_chart(evil, evil, [evil], [Series(evil, [1])])
    spark = sparkline(evil, [evil], [1])
    now = datetime(2026, 12, 3, 6, 0)
    span = timeline(evil, evil, now - timedelta(hours=1), now, [Span(now, now, "down", evil)])
    for svg in (str(chart.svg), str(spark.svg), str(span.svg)):
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg


def test_a_timeline_draws_each_stretch_in_proportion() -> None:
    start = datetime(2026, 12, 3, 0, 0)
    end = start + timedelta(hours=4)
    chart = timeline(
        "Status",
        "Status of a connection.",
        start,
        end,
        [
            Span(start, start + timedelta(hours=3), "healthy", "Healthy, 36 checks"),
            Span(start + timedelta(hours=3), end, "down", "Down, 12 checks: refused"),
        ],
    )
    svg = str(chart.svg)
    widths = dict(re.findall(r'class="span (\w+)" x="[\d.]+" y="2" width="([\d.]+)"', svg))
    assert float(widths["healthy"]) == 3 * float(widths["down"])
    assert chart.rows[1] == ["2026-12-03 03:00", "2026-12-03 04:00", "Down, 12 checks: refused"]


def test_an_empty_sparkline_says_so_and_a_single_point_is_drawn() -> None:
    assert "<desc" in str(sparkline("Calls", [], []).svg)
    assert "no data" in str(sparkline("Calls", [], []).svg)
    assert "<circle" in str(sparkline("Calls", ["12-03"], [5]).svg)
    lonely = line_chart("L", "d", [str(i) for i in range(48)], [Series("ms", [None] * 47 + [80])])
    assert str(lonely.svg).count("<circle") == 1
