"""Report pages at scale: the overview, usage and health pages over 1,000,000 invocations
(rolled up into their daily totals by the real roll-up), 1,000,000 outbound rows and a month
of health checks every five minutes per connection.

The rows are made by INSERT … SELECT (one statement each, fast on both databases); the
invocations are inserted marked `usage_pending` and added to `UsageDaily` by
`roll_up_usage` itself, whose rate is reported too. Each page is then timed through
Django's test client as a logged-in superuser (the whole request: middleware, form,
queries, charts, rendering), p50/p95 over `runs` requests.
"""

from __future__ import annotations

import time

from django.db import connection
from django.test import Client

from bench import logscale
from bench.common import Row, percentile, time_ms
from providers.choices import ConnectionOwner
from providers.models import Connection, HealthCheck
from skills.models import Invocation, Skill, UsageDaily
from skills.services.usage import roll_up_usage

INVOCATIONS = 1_000_000
OUTBOUND = 1_000_000
DAYS = 30
CHECK_EVERY_S = 300
TARGET_MS = 100.0
MODELS = ("gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4-5", "gemini-2.5-pro", "now-llm-large")


def _case(values: list[str], expr: str) -> str:
    return "CASE " + " ".join(f"WHEN {expr} = {i} THEN {v}" for i, v in enumerate(values)) + " END"


def _series(total: int) -> tuple[str, str, str]:
    """(FROM clause over n = 1..total, a timestamp n steps back over DAYS, a uuid of n)."""
    step = DAYS * 86400 / total
    if connection.vendor == "postgresql":
        return (
            f"FROM generate_series(1, {total}) AS n",
            f"now() - (n * interval '{step:.6f} seconds')",
            "lpad(to_hex(n), 32, '0')::uuid",
        )
    return (
        f"FROM (WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {total})"
        " SELECT n FROM s)",
        f"datetime('now', '-' || (n * {step:.6f}) || ' seconds')",
        "printf('%032x', n)",
    )


def _fill_invocations(total: int) -> float | None:
    """`total` finished invocations over DAYS days, then rolled up; returns the roll-up's
    seconds (None when the rows were there already, all rolled up: a rerun times the pages
    only). Every 50th failed; latencies from 100 ms to 7 s."""
    pending = Invocation.objects.filter(usage_pending=True).exists()
    if Invocation.objects.count() == total and not pending:
        return None
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE skills_invocation, skills_usagedaily")
        else:
            cur.execute("DELETE FROM skills_invocation")
            cur.execute("DELETE FROM skills_usagedaily")
    routes = [
        (c.provider_id, c.pk, "byok" if c.owner == ConnectionOwner.CUSTOMER else "oem")
        for c in Connection.objects.filter(is_active=True).order_by("pk")
    ]
    skills = list(Skill.objects.order_by("pk").values_list("pk", flat=True))
    source, stamp, uuid = _series(total)
    nr, ns, nm = len(routes), len(skills), len(MODELS)
    provider = _case([str(r[0]) for r in routes], f"n % {nr}")
    conn = _case([str(r[1]) for r in routes], f"n % {nr}")
    route = _case([f"'{r[2]}'" for r in routes], f"n % {nr}")
    skill = _case([str(s) for s in skills], f"(n / 7) % {ns}")
    model = _case([f"'{m}'" for m in MODELS], f"n % {nm}")
    failed = "n % 50 = 0"
    status = f"CASE WHEN {failed} THEN 'failed' ELSE 'succeeded' END"
    code = f"CASE WHEN {failed} THEN 'provider_throttled' ELSE '' END"
    message = f"CASE WHEN {failed} THEN 'The provider is throttling requests.' ELSE '' END"
    latency = "CASE WHEN n % 20 = 0 THEN 2000 + n % 5000 ELSE 100 + (n * 37) % 900 END"
    cols = (
        "id, status, source, output, error_code, error_message, resolution_trace, route,"
        " provider_id, connection_id, model, prompt_tokens, completion_tokens, attempts,"
        " created_at, started_at, finished_at, enqueue_count, claimed_by, skill_id, input,"
        " rendered_prompt, used_fallback, total_tokens, cost, latency_ms, provider_request_ids,"
        " usage_pending"
    )
    sql = (
        f"INSERT INTO skills_invocation ({cols}) SELECT {uuid}, {status}, 'api', '', {code},"
        f" {message}, '[]', {route}, {provider}, {conn}, {model}, 200 + n % 300, 50 + n % 150,"
        f" 1, {stamp}, {stamp}, {stamp}, 1, '', {skill}, '{{}}', '', FALSE,"
        f" 250 + n % 300 + n % 150, (n % 1000) * 0.000003, {latency}, '[]', TRUE {source}"
    )
    with connection.cursor() as cur:
        cur.execute(sql)
        if connection.vendor == "postgresql":
            cur.execute("VACUUM ANALYZE skills_invocation")
    started = time.perf_counter()
    roll_up_usage(batch=20_000)
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE skills_invocation")
            cur.execute("VACUUM ANALYZE skills_usagedaily")
    return seconds


def _fill_health_checks() -> int:
    """A check every five minutes for DAYS days per active connection; the first
    connection's last six checks failed (degraded, then down)."""
    HealthCheck.objects.all().delete()
    per = DAYS * 86400 // CHECK_EVERY_S
    source, _, _ = _series(per)
    ids = list(
        Connection.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for index, pk in enumerate(ids):
        failing = "n <= 6" if index == 0 else "FALSE"
        if connection.vendor == "postgresql":
            stamp = f"now() - (n * interval '{CHECK_EVERY_S} seconds')"
            ok = f"NOT ({failing})"
        else:
            stamp = f"datetime('now', '-' || (n * {CHECK_EVERY_S}) || ' seconds')"
            ok = f"CASE WHEN {failing} THEN 0 ELSE 1 END"
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO providers_healthcheck (connection_id, checked_at, ok, kind,"
                " diagnosis, message, latency_ms)"
                f" SELECT {pk}, {stamp}, {ok}, 'health', CASE WHEN {failing} THEN 'auth' ELSE"
                " 'ok' END, CASE WHEN "
                f"{failing} THEN 'The credentials were refused.' ELSE '' END,"
                f" 40 + (n * 13) % 200 {source}"
            )
    if ids:
        Connection.objects.filter(pk=ids[0]).update(
            health_status="down",
            consecutive_failures=6,
            last_check_message="The credentials were refused.",
        )
    return per * len(ids)


def _client() -> Client:
    from django.contrib.auth.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
    return client


def run(ctx: object = None, runs: int = 30) -> list[Row]:
    started = time.perf_counter()
    logscale._reset_if_larger(OUTBOUND)
    providers = list(
        Connection.objects.order_by("provider_id").values_list("provider_id", flat=True).distinct()
    )
    connections = list(Connection.objects.order_by("id").values_list("id", flat=True))
    logscale._fill(OUTBOUND, providers, connections)
    roll_up_s = _fill_invocations(INVOCATIONS)
    checks = _fill_health_checks()
    fill_s = time.perf_counter() - started
    first_conn = (
        Connection.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[0]
    )
    pages = {
        "overview, 30 d": "/overview/?period=30d",
        "overview, 24 h": "/overview/?period=24h",
        "usage by provider, 30 d": "/usage/?period=30d&group=provider",
        "usage by connection, 30 d": "/usage/?period=30d&group=connection",
        "usage by model, 30 d": "/usage/?period=30d&group=model",
        "usage by skill, 30 d": "/usage/?period=30d&group=skill",
        "usage by route, 30 d": "/usage/?period=30d&group=route",
        "usage CSV by skill, 30 d": "/usage/export.csv?period=30d&group=skill",
        "health list": "/health/",
        "health of one connection, 30 d": f"/health/{first_conn}/?period=30d",
        "health of one connection, 24 h": f"/health/{first_conn}/?period=24h",
    }
    client = _client()
    rows: list[Row] = []
    worst = 0.0
    details = []
    for name, url in pages.items():

        def get(url: str = url) -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} answered {response.status_code}")

        samples = time_ms(get, runs, warmup=3)
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        worst = max(worst, p95)
        details.append(f"{name}: {p50:.1f}/{p95:.1f}")
    rows.append(
        Row(
            "reports",
            f"{Invocation.objects.count():,} invocations ({UsageDaily.objects.count():,} daily"
            f" rows), {OUTBOUND:,} outbound rows, {checks:,} health checks: worst page p95",
            f"{worst:.2f} ms",
            f"≤ {TARGET_MS:.0f} ms",
            worst <= TARGET_MS,
        )
    )
    rows.append(Row("reports", "server time per page p50/p95 (ms)", "; ".join(details)))
    if roll_up_s is not None:
        rows.append(
            Row(
                "reports",
                f"roll-up of {INVOCATIONS:,} pending invocations into daily totals"
                f" (fill {fill_s:.0f} s)",
                f"{roll_up_s:.1f} s, {INVOCATIONS / roll_up_s:,.0f} invocations/s",
            )
        )
    return rows
