"""Bytes on disk per call: the invocation row, its outbound rows and their index entries.

N in-process invocations of the benchmark skills (providers in turn, sandbox latency 0,
outbound log level `basic`, requested by a user as an API call would be). Then, on
PostgreSQL, the rows those N calls wrote are copied, in the order they were written, into
fresh temporary tables made `LIKE … INCLUDING ALL` (same columns, storage, indexes and
constraints), and the growth of `pg_total_relation_size` of the copies — heap, TOAST and every
index — divided by N is the figure (target ≤ 1.5 KB per call).

Why copies rather than the growth of the real tables: the real tables' growth depends on
what came before (free space that earlier runs' dead rows left is reused, so they may not
grow at all) and on when autovacuum passes (each call's result UPDATE and the outbound row's
completion leave a dead row version, and new index entries, until vacuum reclaims them). The
copies hold exactly the live rows of the N calls, with indexes grown by inserts in the same
order as in production (random UUID keys split pages as they do there), so the figure is the
steady-state cost of a call once vacuum has done its work; a VACUUM of the copies would find
nothing to do. What it leaves out, and says so: the dead versions awaiting vacuum (shown
apart, as the real tables' growth over the same calls) and the fixed cost of an empty
relation (measured on the empty copies and taken off). Sizes move in 8 KB pages, so each
relation's partly filled last page adds up to 8 KB / N to the figure: the row states that
bound for its N (about 30 relations: ~125 B per call at N = 2000).

On SQLite the figure is the growth of the database's used pages (page_count - freelist_count)
over the N calls, every table included: approximate, not judged against the target.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import override_settings

from bench.common import Row
from bench.env import INPUT, PROVIDER_KINDS
from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus, Source
from skills.models import Invocation
from skills.services.invocations import invoke_now

TARGET_BYTES = 1536
TARGET = "≤ 1.5 KB"


def _calls(ctx: Any, n: int) -> list[uuid.UUID]:
    """N invocations at level `basic`, providers in turn; their ids."""
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    keys = [ctx.skills[kind] for kind in PROVIDER_KINDS]
    ids = []
    with override_settings(OUTBOUND_LOG_LEVEL="basic"):
        for i in range(n):
            invocation = invoke_now(keys[i % len(keys)], INPUT, user=user, source=Source.API)
            if invocation.status != InvocationStatus.SUCCEEDED:
                raise SystemExit(f"bench invocation failed: {invocation.error_message}")
            ids.append(invocation.pk)
    return ids


def _pg_sizes(cur: Any, tables: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Per table: (heap + TOAST, indexes) in bytes."""
    out = {}
    for name, table in tables.items():
        cur.execute(
            "SELECT pg_table_size(%s::regclass), pg_indexes_size(%s::regclass)", [table] * 2
        )
        out[name] = cur.fetchone()
    return out


def _relations(cur: Any, tables: dict[str, str]) -> int:
    """Heaps, TOAST tables and their indexes, and every index: the files that grow in pages."""
    count = 0
    for table in tables.values():
        cur.execute(
            "SELECT 1 + (c.reltoastrelid <> 0)::int * 2 + "
            "(SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid) "
            "FROM pg_class c WHERE c.oid = %s::regclass",
            [table],
        )
        count += cur.fetchone()[0]
    return count


def _real_tables() -> dict[str, str]:
    return {
        "invocation": Invocation._meta.db_table,
        "outbound": OutboundRequest._meta.db_table,
    }


def _postgres(ctx: Any, n: int) -> list[Row]:
    real = _real_tables()
    with connection.cursor() as cur:
        before = _pg_sizes(cur, real)
    ids = _calls(ctx, n)
    copies = {name: f"bench_copy_{name}" for name in real}
    with transaction.atomic(), connection.cursor() as cur:
        grown = _pg_sizes(cur, real)
        for name, table in real.items():
            cur.execute(
                f"CREATE TEMP TABLE {copies[name]} (LIKE {table} INCLUDING ALL) ON COMMIT DROP"
            )
        empty = _pg_sizes(cur, copies)
        cur.execute(
            f"INSERT INTO {copies['invocation']} SELECT * FROM {real['invocation']} "
            "WHERE id = ANY(%s) ORDER BY created_at",
            [ids],
        )
        cur.execute(
            f"INSERT INTO {copies['outbound']} SELECT * FROM {real['outbound']} "
            "WHERE invocation_id = ANY(%s) ORDER BY created_at, id",
            [ids],
        )
        outbound_rows = cur.rowcount
        full = _pg_sizes(cur, copies)
        relations = _relations(cur, copies)
    per = {name: tuple((full[name][i] - empty[name][i]) / n for i in range(2)) for name in copies}
    total = sum(sum(v) for v in per.values())
    raw = sum(sum(grown[t]) - sum(before[t]) for t in real) / n
    return [
        Row(
            "storage",
            f"bytes on disk per call at log level basic (n={n}; {outbound_rows / n:.2f} outbound "
            "rows per call): invocation and outbound rows with their indexes, live rows as "
            f"vacuum leaves them ({relations} relations in 8 KB pages: ≤ "
            f"{relations * 8192 / n:,.0f} B per call of partly filled last pages)",
            f"{total:,.0f} B (invocation {per['invocation'][0]:,.0f} + indexes "
            f"{per['invocation'][1]:,.0f}; outbound {per['outbound'][0]:,.0f} + indexes "
            f"{per['outbound'][1]:,.0f})",
            TARGET,
            total <= TARGET_BYTES,
        ),
        Row(
            "storage",
            f"the real tables' growth over the same {n} calls, before vacuum (dead row versions "
            "included; less where earlier free space was reused)",
            f"{raw:,.0f} B per call",
        ),
    ]


def _sqlite_used_bytes() -> int:
    with connection.cursor() as cur:
        values = []
        for pragma in ("page_count", "freelist_count", "page_size"):
            cur.execute(f"PRAGMA {pragma}")
            values.append(cur.fetchone()[0])
    pages, free, size = values
    return (pages - free) * size


def _sqlite(ctx: Any, n: int) -> list[Row]:
    before = _sqlite_used_bytes()
    _calls(ctx, n)
    per_call = (_sqlite_used_bytes() - before) / n
    return [
        Row(
            "storage",
            f"bytes on disk per call at log level basic (n={n}), SQLite: approximate (growth of "
            "the whole database's used pages; judged on PostgreSQL only)",
            f"{per_call:,.0f} B",
            TARGET,
        )
    ]


def run(ctx: Any) -> list[Row]:
    ctx.sandbox.set_latency(0)
    n = ctx.storage_runs
    print(f"  {n} in-process calls at log level basic", flush=True)
    if connection.vendor == "postgresql":
        return _postgres(ctx, n)
    return _sqlite(ctx, n)
