"""Worker liveness: one daemon thread per process bumps `heartbeat_at` of the invocations its
threads are running.

A killed worker stops beating; the sweeper then sees a running invocation with a stale
heartbeat and publishes it again, and the next claim takes it over. One UPDATE per period for
all in-flight invocations of the process keeps this cheap at hundreds in flight.
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

from skills.choices import InvocationStatus
from skills.services.config import tunable

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[uuid.UUID, str] = {}
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._loop, name="invocation-heartbeat", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        from skills.models import Invocation

        while True:
            time.sleep(tunable("SKILLS_HEARTBEAT_SECONDS"))
            with self._lock:
                live = dict(self._live)
            if not live:
                continue
            try:
                Invocation.objects.filter(
                    pk__in=list(live),
                    claimed_by__in=set(live.values()),
                    status=InvocationStatus.RUNNING,
                ).update(heartbeat_at=timezone.now())
            except Exception:
                logger.exception("invocation heartbeat failed")
            finally:
                close_old_connections()
                connection.close()

    @contextlib.contextmanager
    def beating(self, invocation_id: uuid.UUID, token: str) -> Iterator[None]:
        """Keep `invocation_id` alive while the block runs.

        Inside a caller's transaction (a test, or a request with ATOMIC_REQUESTS) the claim is
        not visible to other connections, so no beat is needed and none is attempted.
        """
        if connection.in_atomic_block:
            yield
            return
        with self._lock:
            self._live[invocation_id] = token
            self._ensure_thread()
        try:
            yield
        finally:
            with self._lock:
                self._live.pop(invocation_id, None)


heartbeat = Heartbeat()
