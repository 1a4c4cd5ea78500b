"""Worker liveness: one daemon thread per process bumps `heartbeat_at` of the runs (skill
invocations, agent runs) its threads are running.

A killed worker stops beating; the sweeper then sees a running row with a stale heartbeat and
publishes it again, and the next claim takes it over. One UPDATE per kind of run per period,
for all runs of that kind in flight in the process, keeps this cheap at hundreds in flight.
Callers register through `skills.services.lifecycle.beating`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator

from django.db import close_old_connections, connection
from django.utils import timezone

from core import unitofwork
from skills.choices import InvocationStatus
from skills.models.runs import Run
from skills.services.config import tunable

logger = logging.getLogger(__name__)

#: What a process keeps alive: per kind of run, each run's id and the token that claimed it.
Live = dict[type[Run], dict[uuid.UUID, str]]


def beat(live: Live) -> int:
    """Bump `heartbeat_at` of the rows still running under the given claims; rows updated.

    Filtering on the tokens as well as the ids means a run taken over by another worker (or
    cancelled, or finished) is never kept alive by this one.
    """
    now, updated = timezone.now(), 0
    for model, runs in live.items():
        if runs:
            updated += model._default_manager.filter(
                pk__in=list(runs),
                claimed_by__in=set(runs.values()),
                status=InvocationStatus.RUNNING,
            ).update(heartbeat_at=now)
    return updated


class Heartbeat:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: Live = {}
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="run-heartbeat", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(tunable("SKILLS_HEARTBEAT_SECONDS"))
            with self._lock:
                live = {model: dict(runs) for model, runs in self._live.items() if runs}
            if not live:
                continue
            try:
                beat(live)
            except Exception:
                logger.exception("run heartbeat failed")
            finally:
                close_old_connections()
                connection.close()

    @contextlib.contextmanager
    def beating(self, model: type[Run], run_id: uuid.UUID, token: str) -> Iterator[None]:
        """Keep the run `run_id` of `model` alive while the block runs.

        Inside a caller's transaction (a test, or a request with ATOMIC_REQUESTS) the claim is
        not visible to other connections, so no beat is needed and none is attempted.
        """
        if unitofwork.in_callers_transaction():
            yield
            return
        with self._lock:
            self._live.setdefault(model, {})[run_id] = token
            self._ensure_thread()
        try:
            yield
        finally:
            with self._lock:
                self._live[model].pop(run_id, None)


heartbeat = Heartbeat()
