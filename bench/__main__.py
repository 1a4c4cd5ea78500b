"""`make bench`: measure the console against DESIGN.md's performance targets.

Usage: python -m bench [section ...]   (sections: overhead, peer, storage, throughput, memory,
logscale, governance, reports; default: all but memory, which throughput also measures)
Prints one table and writes it, with the machine's description, to bench/results.md (not with
--no-save, for short trial runs).

Everything runs as in production (DEBUG off, a separate worker process, the sandbox in its own
process); PostgreSQL and Redis are used when they answer, else SQLite and the file broker.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, pick_database
from bench.env import LOG_DIR, Sandbox, bench_skills, pick_broker

RESULTS = Path(__file__).resolve().parent / "results.md"
# Hand-written sections of results.md (profiling notes, before/after) survive a new run.
KEEP_MARKER = "<!-- notes: kept across runs -->"


@dataclass
class Context:
    sandbox: Sandbox
    queue: str
    skills: dict[str, str] = field(default_factory=dict)
    overhead_runs: int = 1000
    celery_runs: int = 300
    peer_runs: int = 1000
    storage_runs: int = 2000
    tp_warmup: float = 4.0
    tp_window: float = 15.0
    concurrency: int = 0  # worker threads; 0 = as many as calls in flight
    levels: tuple[int, ...] = (50, 100, 200)
    processes: int = 1  # worker processes for the throughput section


def _dev_secret(name: str) -> str:
    """The development secrets settings would create under var/bench (DEBUG stays off)."""
    path = LOG_DIR / name
    if not path.exists():
        if name == "encryption.key":
            from cryptography.fernet import Fernet

            value = Fernet.generate_key().decode()
        else:
            import secrets

            value = secrets.token_urlsafe(50)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
        path.chmod(0o600)
    return path.read_text().strip()


def _setup(sandbox: Sandbox) -> str:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.setdefault("DATABASE_URL", pick_database())
    os.environ.setdefault("CELERY_BROKER_URL", pick_broker())
    os.environ["SKILLS_TASK_QUEUE"] = queue
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("BYOK_VAR_DIR", str(LOG_DIR))
    os.environ.setdefault("SECRET_KEY", _dev_secret("secret_key"))
    os.environ.setdefault("BYOK_ENCRYPTION_KEYS", _dev_secret("encryption.key"))
    os.environ.setdefault("BYOK_ALLOWED_ENDPOINTS", "http://127.0.0.1:*,http://localhost:*")
    os.environ.setdefault("OUTBOUND_LOG_LEVEL", "basic")
    # The log pages are timed hundreds of times a minute by one user: no API throttling.
    os.environ.setdefault("API_THROTTLE_USER", "")
    os.environ.setdefault("API_THROTTLE_ADDRESS", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, interactive=False, stdout=quiet)
    call_command("seed_demo", "--sandbox-url", sandbox.url, verbosity=0, stdout=quiet)
    return queue


def _machine() -> str:
    import celery
    import django
    from django.conf import settings
    from django.db import connection

    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    pool_size = settings.DATABASES["default"].get("OPTIONS", {}).get("pool", {}).get("max_size")
    pool = f" (connection pool of {pool_size} per process)" if pool_size else ""
    broker = re.sub(r"//[^@/]*@", "//", settings.CELERY_BROKER_URL).split("://")[0]
    return (
        f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GiB, {platform.platform()}, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"Celery {celery.__version__}, broker {broker}, "
        f"database {connection.vendor} {'.'.join(map(str, connection.get_database_version()))}"
        f"{pool}, "
        f"load average before the run {os.getloadavg()[0]:.2f}"
    )


def _table(rows: list[Row]) -> str:
    head = ["section", "figure", "measured", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def _kept_notes() -> str:
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text()
    return text[text.index(KEEP_MARKER) :] if KEEP_MARKER in text else ""


SECTIONS = (
    "overhead",
    "peer",
    "storage",
    "throughput",
    "memory",
    "logscale",
    "governance",
    "reports",
)
DEFAULT_SECTIONS = [s for s in SECTIONS if s != "memory"]


def _runner(name: str):
    """The section's run(ctx); imported once Django is set up."""
    from bench import governance, logscale, overhead, peer, reports, storage, throughput

    return {
        "overhead": overhead.run,
        "peer": peer.run,
        "storage": storage.run,
        "throughput": throughput.run,
        "memory": lambda ctx: throughput.run(ctx, memory_only=True),
        "logscale": logscale.run,
        "governance": governance.run,
        "reports": reports.run,
    }[name]


def main(argv: list[str]) -> int:
    sections = SECTIONS
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("sections", nargs="*", default=[], help=", ".join(sections))
    parser.add_argument("--runs", type=int, default=1000, help="in-process calls per provider")
    parser.add_argument("--celery-runs", type=int, default=300, help="Celery calls per provider")
    parser.add_argument(
        "--peer-runs", type=int, default=1000, help="rounds of ours / LiteLLM / direct per provider"
    )
    parser.add_argument(
        "--storage-runs", type=int, default=2000, help="calls whose rows are measured on disk"
    )
    parser.add_argument("--window", type=float, default=15.0, help="throughput window, seconds")
    parser.add_argument("--concurrency", type=int, default=0, help="worker threads (0 = N)")
    parser.add_argument("--processes", type=int, default=1, help="worker processes (throughput)")
    parser.add_argument("--levels", default="50,100,200", help="calls in flight, comma-separated")
    parser.add_argument(
        "--pool",
        type=int,
        default=40,
        help="DB_POOL_MAX_SIZE of every process on PostgreSQL: the production setting for a "
        "worker of hundreds of threads, which would otherwise exceed max_connections "
        "(0 = no pool)",
    )
    parser.add_argument(
        "--no-save", action="store_true", help="print the table only; leave bench/results.md be"
    )
    args = parser.parse_args(argv)
    chosen = args.sections or DEFAULT_SECTIONS
    unknown = [s for s in chosen if s not in sections]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(sections)}")
    os.environ["DB_POOL_MAX_SIZE"] = str(args.pool)  # ignored on SQLite
    sandbox = Sandbox().start()
    try:
        ctx = Context(sandbox=sandbox, queue=_setup(sandbox))
        ctx.skills = bench_skills()
        ctx.overhead_runs, ctx.celery_runs = args.runs, args.celery_runs
        ctx.peer_runs, ctx.storage_runs = args.peer_runs, args.storage_runs
        ctx.tp_window, ctx.concurrency = args.window, args.concurrency
        ctx.processes = args.processes
        ctx.levels = tuple(int(n) for n in args.levels.split(","))
        machine = _machine()
        rows: list[Row] = []
        for name in chosen:
            print(f"running {name} …", flush=True)
            rows.extend(_runner(name)(ctx))
    finally:
        sandbox.stop()
    table = _table(rows)
    print(f"\n{machine}\n\n{table}")
    if not args.no_save:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        notes = _kept_notes()
        RESULTS.write_text(
            f"# Benchmark results\n\n{stamp} — `python -m bench {' '.join(chosen)}` — "
            f"{machine}\n\n{table}\n" + (f"\n{notes}" if notes else "")
        )
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
