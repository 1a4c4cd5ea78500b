"""The integration tier: a real Celery worker process, a real broker and the sandbox.

The worker is another process, so it cannot see pytest-django's test database (an in-memory
SQLite one, or a PostgreSQL one whose rows live in an uncommitted transaction). Each module
therefore gets its own committed database, created and migrated here: a SQLite file by default,
or a fresh PostgreSQL database on the server of DATABASE_URL. This thread's `default`
connection is swapped to it for the module and swapped back afterwards, so the rest of the
suite keeps its own test database. The broker is whatever CELERY_BROKER_URL says (the
file-system folder by default, Redis in CI).
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from providers.adapters import clear_cache
from sandbox.server import SandboxServer
from skills.choices import TERMINAL_STATUSES
from skills.models import Invocation, UsageDaily
from skills.services import sweeper
from tests.skills.conftest import World, build_world

ROOT = Path(settings.BASE_DIR)

# Short liveness deadlines so a killed worker or a lost message is noticed in seconds.
TUNABLES = {
    "SKILLS_HEARTBEAT_SECONDS": "0.5",
    "SKILLS_STALE_AFTER_SECONDS": "3",
    "SKILLS_REQUEUE_AFTER_SECONDS": "8",
    "SKILLS_MAX_ENQUEUES": "20",
    "SKILLS_BACKOFF_BASE": "0.05",
    "SKILLS_BACKOFF_CAP": "0.5",
    "SKILLS_DEADLINE_SECONDS": "30",
    # Workers look for configuration changes this often; tests that change configuration
    # under a running worker wait CONFIG_SEEN_WITHIN before relying on it.
    "SKILLS_RESOLUTION_CACHE_SECONDS": "0.2",
}
CONFIG_SEEN_WITHIN = 0.3


def _is_sqlite(settings_dict: dict[str, Any]) -> bool:
    return settings_dict["ENGINE"].endswith("sqlite3")


@pytest.fixture(scope="module")
def integration_db(
    django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A committed, migrated database; yields its DATABASE_URL for the worker."""
    old = connections["default"]
    settings_dict = copy.deepcopy(old.settings_dict)
    if _is_sqlite(settings_dict):
        name = str(tmp_path_factory.mktemp("integration-db") / "byok.sqlite3")
        url = f"sqlite:///{name}"
    else:
        name = f"byok_it_{uuid.uuid4().hex[:10]}"
        parts = urlsplit(os.environ["DATABASE_URL"])
        url = urlunsplit(parts._replace(path="/" + name))
    settings_dict["NAME"] = name
    backend = type(old)
    new = backend(settings_dict, "default")
    with django_db_blocker.unblock():
        if not _is_sqlite(settings_dict):
            with old._nodb_cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        connections._connections.default = new
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield url
        finally:
            new.close()
            connections._connections.default = old
            if not _is_sqlite(settings_dict):
                with old._nodb_cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def tunables() -> Iterator[dict[str, str]]:
    """Short deadlines, and a queue of this module's own (the broker may be shared).

    Set in the environment for the worker processes, and in settings for this process.
    """
    from django.test.utils import override_settings

    values = {**TUNABLES, "SKILLS_TASK_QUEUE": f"skills-it-{uuid.uuid4().hex[:8]}"}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    typed = {k: (v if k == "SKILLS_TASK_QUEUE" else float(v)) for k, v in values.items()}
    with override_settings(**typed):
        yield values
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def flush_broker() -> int:
    """Lose every message of this module's queue: its Redis keys, or its files in the
    file-system broker's folder (other suites may share the broker, so nothing else).

    Returns how many messages were waiting there (and are now lost)."""
    queue = os.environ["SKILLS_TASK_QUEUE"]
    url = settings.CELERY_BROKER_URL
    if url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{queue}*"))
        if not keys:
            return 0
        with client.pipeline() as pipe:  # count and delete at once: a worker may be consuming
            for key in keys:
                pipe.llen(key)
            pipe.delete(*keys)
            *lengths, _ = pipe.execute()
        return int(sum(lengths))
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    lost = 0
    for path in folder.glob(f"*.{queue}.msg"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            lost += 1
    return lost


# Per-task lines of a worker logging at INFO; left out of `Worker.logs()` so errors show.
_TASK_LINE = re.compile(r"Task skills\.\w+\[[0-9a-f-]+\] (received|succeeded in)")


class Worker:
    """A `celery worker --pool threads` subprocess pointed at the integration database.

    It logs at INFO so that `wait_ready` can see when it consumes; `logs()` leaves out the
    per-task lines.
    """

    def __init__(self, database_url: str, log_dir: Path, concurrency: int = 24) -> None:
        self.env = {
            **os.environ,
            **TUNABLES,
            "DATABASE_URL": database_url,
            "BYOK_VAR_DIR": str(Path(settings.VAR_DIR).resolve()),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "PYTHONUNBUFFERED": "1",
        }
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.hostname = ""

    @property
    def log_path(self) -> Path:
        """The log of the latest start."""
        return self.log_dir / f"worker-{self.starts}.log"

    def start(self) -> Worker:
        self.starts += 1
        self.hostname = f"it{self.starts}-{uuid.uuid4().hex[:6]}"
        log = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                str(self.concurrency),
                "-Q",
                os.environ["SKILLS_TASK_QUEUE"],
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{self.hostname}@%h",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def wait_ready(self, timeout: float = 60) -> float:
        """Wait until the latest start consumes from its queue; returns the seconds it took."""
        started = time.monotonic()
        ready = re.compile(rf"{re.escape(self.hostname)}@\S+ ready\.")
        while time.monotonic() - started < timeout:
            assert self.proc is not None
            assert self.proc.poll() is None, f"the worker exited:\n{self.logs()}"
            if ready.search(self.log_path.read_text(errors="replace")):
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"the worker was not ready within {timeout} s:\n{self.logs()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        tails = []
        for path in sorted(self.log_dir.glob("worker-*.log")):
            lines = path.read_text(errors="replace").splitlines()
            tails.append("\n".join(line for line in lines if not _TASK_LINE.search(line))[-3000:])
        return "\n".join(tails)


@pytest.fixture(scope="module")
def world(integration_db: str, tunables: dict, sandbox: SandboxServer) -> World:
    """The demo world pointed at this module's sandbox, in this module's database."""
    flush_broker()
    clear_cache()
    return build_world(sandbox.url)


@pytest.fixture(autouse=True)
def _clean(world: World, sandbox: SandboxServer) -> Iterator[None]:
    """Each test starts with no runs, no usage, no faults and an empty sandbox log."""
    Invocation.objects.all().delete()
    UsageDaily.objects.all().delete()
    sandbox.clear_faults()
    sandbox.clear_requests()
    yield
    sandbox.clear_faults()


@pytest.fixture
def worker(integration_db: str, tunables: dict, tmp_path: Path) -> Iterator[Worker]:
    w = Worker(integration_db, tmp_path)
    yield w
    w.stop()


def wait_until_terminal(
    ids: list, timeout: float, *, sweep: bool = False, on_tick: Callable[[], None] | None = None
) -> dict[str, int]:
    """Poll the rows (running the sweeper each second if asked) until all are terminal."""
    end = time.monotonic() + timeout
    last_sweep = 0.0
    while True:
        pending = Invocation.objects.filter(pk__in=ids).exclude(status__in=TERMINAL_STATUSES)
        left = pending.count()
        if left == 0 or time.monotonic() >= end:
            break
        if sweep and time.monotonic() - last_sweep >= 1:
            sweeper.sweep()
            last_sweep = time.monotonic()
        if on_tick:
            on_tick()
        time.sleep(0.2)
    counts: dict[str, int] = {}
    for status in Invocation.objects.filter(pk__in=ids).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts
