"""Log scale: validation queries and single-row writes on 10k / 100k / 1M outbound rows.

Each filter is timed three ways, first page and a deep page (the cursor of a row 20,000 rows
down, as `next_cursor` would give it; a filter matching no row at a size is timed on its
empty first page): the ORM query (`providers.outbound.queries`), the REST API
`/api/v1/outbound-requests/` and the console's `/validation/` view, both through Django's
test client as a logged-in superuser (the whole request: middleware, form, query, rendering).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.common import Row, fmt_pcts, percentile, time_ms
from core.api import encode_cursor
from providers.models import Connection, Provider
from providers.outbound.models import OutboundRequest
from providers.outbound.queries import filtered, page

SIZES = (10_000, 100_000, 1_000_000)
TARGET_MS = 50.0
API_URL = "/api/v1/outbound-requests/"
VIEW_URL = "/validation/"
HOSTS = (
    "contoso.openai.azure.com",
    "bedrock-runtime.us-east-1.amazonaws.com",
    "us-central1-aiplatform.googleapis.com",
    "generativelanguage.googleapis.com",
    "llm.example.com",
)
# The last host went quiet: none of the newest QUIET rows use it (at 1M rows it still holds
# 14 % of them, all older). A plan that walks the time index skipping other hosts' rows
# would read all of the newest QUIET rows before its first match.
QUIET_HOST = HOSTS[-1]
QUIET = 300_000


def _fill(total: int, provider_ids: list[int], connection_ids: list[int]) -> None:
    """Grow the table to `total` rows with one INSERT … SELECT (fast on both databases)."""
    have = OutboundRequest.objects.count()
    missing = total - have
    if missing <= 0:
        return
    np, nc, nh = len(provider_ids), len(connection_ids), len(HOSTS)
    prov = (
        "CASE "
        + " ".join(f"WHEN n % {np} = {i} THEN {p}" for i, p in enumerate(provider_ids))
        + " END"
    )
    conn = (
        "CASE "
        + " ".join(f"WHEN n % {nc} = {i} THEN {c}" for i, c in enumerate(connection_ids))
        + " END"
    )
    host = (
        f"CASE WHEN n % {nh} = {nh - 1} AND n <= {QUIET} THEN '{HOSTS[0]}' "
        + " ".join(f"WHEN n % {nh} = {i} THEN '{h}'" for i, h in enumerate(HOSTS))
        + " END"
    )
    status = "CASE WHEN n % 50 = 0 THEN 429 WHEN n % 97 = 0 THEN 500 ELSE 200 END"
    route = "CASE WHEN n % 4 = 0 THEN 'oem' ELSE 'byok' END"
    cols = (
        "created_at, provider_id, connection_id, route, purpose, account, attempt, method, scheme,"
        " host, path, status_code, latency_ms, request_bytes, response_bytes, provider_request_id,"
        " error, level, query, request_body, response_body, state"
    )
    if connection.vendor == "postgresql":
        series = f"generate_series({have + 1}, {total}) AS n"
        stamp = "now() - (n * interval '2 seconds')"
        rid = "md5(n::text)"
        source = f"FROM {series}"
    else:
        source = (
            f"FROM (WITH RECURSIVE s(n) AS (SELECT {have + 1} UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {total}) SELECT n FROM s)"
        )
        stamp = "datetime('now', '-' || (n * 2) || ' seconds')"
        rid = "hex(randomblob(8))"
    sql = (
        f"INSERT INTO providers_outboundrequest ({cols}) SELECT {stamp}, {prov}, {conn}, {route},"
        f" 'invocation', 'acct', 1, 'POST', 'https', {host}, '/openai/deployments/x/chat/completions',"
        f" {status}, 100 + n % 900, 900, 1200, {rid}, '', 'basic', '', '', '', 'done' {source}"
    )
    with connection.cursor() as cur:
        cur.execute(sql)
        if connection.vendor == "postgresql":
            # What autovacuum does to a log that grew over time (statistics, visibility
            # map); the bench measures that steady state, not the moment after one bulk load.
            cur.execute("VACUUM ANALYZE providers_outboundrequest")


def _queries(providers: list[int], connection_id: int) -> dict[str, dict]:
    """The filters timed, with their API and console query parameters.

    On the generated rows status 429 only ever went to the first host and the first
    provider, so the two "none match" combinations find nothing: the page has to rule out
    every row of the narrower filter's range.
    """
    now = timezone.now()
    provider = Provider.objects.get(pk=providers[0])
    other = Provider.objects.get(pk=providers[1])
    conn = Connection.objects.get(pk=connection_id)
    since = now - timedelta(hours=1)
    return {
        "no filter": {"params": {}},
        "provider": {"filters": {"provider": provider.pk}, "params": {"provider": provider.kind}},
        "connection": {
            "filters": {"connection": connection_id},
            "params": {"connection": conn.name},
        },
        "route": {"filters": {"route": "oem"}, "params": {"route": "oem"}},
        "host": {"filters": {"host": HOSTS[2]}, "params": {"host": HOSTS[2]}},
        "host gone quiet": {
            "filters": {"host": QUIET_HOST},
            "params": {"host": QUIET_HOST},
        },
        "status 429": {"filters": {"status_code": 429}, "params": {"status_code": 429}},
        "last hour": {"since": since, "params": {"since": since.isoformat()}},
        "connection + host": {
            "filters": {"connection": connection_id, "host": HOSTS[1]},
            "params": {"connection": conn.name, "host": HOSTS[1]},
        },
        "host gone quiet + status 200": {
            "filters": {"host": QUIET_HOST, "status_code": 200},
            "params": {"host": QUIET_HOST, "status_code": 200},
        },
        "host + status 429, none match": {
            "filters": {"host": HOSTS[2], "status_code": 429},
            "params": {"host": HOSTS[2], "status_code": 429},
        },
        "provider + status 429, none match": {
            "filters": {"provider": other.pk, "status_code": 429},
            "params": {"provider": other.kind, "status_code": 429},
        },
    }


def _client() -> Client:
    from django.contrib.auth.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
    return client


def _get(client: Client, url: str, params: dict) -> None:
    response = client.get(url, params)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} {params} answered {response.status_code}")


def _reset_if_larger(smallest: int) -> None:
    """Start from the smallest size, so each size is measured at that size."""
    if OutboundRequest.objects.count() > smallest:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("TRUNCATE providers_outboundrequest")
            else:
                cur.execute("DELETE FROM providers_outboundrequest")


def run(ctx=None, runs: int = 60, http_runs: int = 50) -> list[Row]:
    providers = list(Provider.objects.order_by("id").values_list("id", flat=True))
    connections = list(Connection.objects.order_by("id").values_list("id", flat=True))
    if not providers or not connections:
        raise SystemExit("log-scale bench needs the demo seeded (providers and connections)")
    rows: list[Row] = []
    _reset_if_larger(SIZES[0])
    client = _client()
    for size in SIZES:
        _fill(size, providers, connections)
        worst_p95 = worst_http = 0.0
        details, http_details = [], []
        for name, spec in _queries(providers, connections[0]).items():
            qs = filtered(spec.get("filters"), since=spec.get("since"))
            first = time_ms(lambda qs=qs: page(qs, size=50), runs)
            # A deep page: the cursor of a row far down the same filtered list.
            deep_row = qs.order_by("-created_at", "-id")[
                min(size // 2, 20_000) : min(size // 2, 20_000) + 1
            ]
            deep_row = next(iter(deep_row), None)
            deep = first
            if deep_row is not None:
                cursor = encode_cursor(deep_row)
                deep = time_ms(lambda qs=qs, c=cursor: page(qs, cursor=c, size=50), runs)
            worst_p95 = max(worst_p95, percentile(first, 95), percentile(deep, 95))
            details.append(f"{name}: {percentile(first, 95):.1f}/{percentile(deep, 95):.1f}")
            params = spec["params"]
            deep_params = {**params, "cursor": cursor} if deep_row is not None else params
            cells = []
            for url in (API_URL, VIEW_URL):
                http_first = time_ms(lambda u=url, p=params: _get(client, u, p), http_runs)
                http_deep = time_ms(lambda u=url, p=deep_params: _get(client, u, p), http_runs)
                p95s = (percentile(http_first, 95), percentile(http_deep, 95))
                worst_http = max(worst_http, *p95s)
                cells.append(f"{p95s[0]:.1f}/{p95s[1]:.1f}")
            http_details.append(f"{name}: {cells[0]} · {cells[1]}")
        rows.append(
            Row(
                "log scale",
                f"{size:,} rows: worst p95 of filtered page (first/deep)",
                f"{worst_p95:.2f} ms",
                f"≤ {TARGET_MS:.0f} ms",
                worst_p95 <= TARGET_MS,
            )
        )
        rows.append(
            Row(
                "log scale",
                f"{size:,} rows: ORM p95 per filter first/deep (ms)",
                "; ".join(details),
            )
        )
        rows.append(
            Row(
                "log scale",
                f"{size:,} rows: worst p95 of API and /validation/ page (first/deep)",
                f"{worst_http:.2f} ms",
                f"≤ {TARGET_MS:.0f} ms",
                worst_http <= TARGET_MS,
            )
        )
        rows.append(
            Row(
                "log scale",
                f"{size:,} rows: p95 per filter first/deep (ms), API · /validation/",
                "; ".join(http_details),
            )
        )

        def write_one() -> None:
            OutboundRequest.objects.create(
                created_at=timezone.now(),
                provider_id=providers[0],
                connection_id=connections[0],
                route="byok",
                purpose="invocation",
                method="POST",
                host=HOSTS[0],
                path="/bench",
                status_code=200,
            )

        writes = time_ms(write_one, runs * 3)
        rows.append(Row("log scale", f"{size:,} rows: write one log row p50/p95", fmt_pcts(writes)))
    return rows
