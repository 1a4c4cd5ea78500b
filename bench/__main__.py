"""`make bench`: measure the console against DESIGN.md's performance targets.

Usage: python -m bench [section ...]   (sections: logscale; default: all)
Prints one table and writes it, with the machine's description, to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from .common import Row, pick_database

RESULTS = Path(__file__).resolve().parent / "results.md"


def _setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", pick_database())
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("BYOK_VAR_DIR", "var/bench")
    os.environ.setdefault("BYOK_ALLOWED_ENDPOINT_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("OUTBOUND_LOG_LEVEL", "basic")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", "--sandbox-url", "http://127.0.0.1:8900", verbosity=0)


def _machine() -> str:
    import django
    from django.db import connection

    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GiB, {platform.platform()}, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"database {connection.vendor} {'.'.join(map(str, connection.get_database_version()))}"
    )


def _table(rows: list[Row]) -> str:
    head = ["section", "figure", "measured", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("sections", nargs="*", default=[])
    args = parser.parse_args(argv)
    _setup_django()

    from . import logscale

    sections = {"logscale": logscale.run}
    chosen = args.sections or list(sections)
    unknown = [s for s in chosen if s not in sections]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(sections)}")
    rows: list[Row] = []
    for name in chosen:
        print(f"running {name} …", flush=True)
        rows.extend(sections[name]())
    table = _table(rows)
    machine = _machine()
    print(f"\n{machine}\n\n{table}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(f"# Benchmark results\n\n{stamp} — {machine}\n\n{table}\n")
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
