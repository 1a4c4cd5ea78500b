"""Tunables of the execution engine, read from Django settings, else the environment.

Defaults suit production; tests and the integration tier shorten them (e.g. a stale-heartbeat
deadline of seconds instead of a minute) through the environment of the worker process.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, float] = {
    # Retries of one route: attempts, backoff base/cap (s), and the whole call's deadline (s).
    "SKILLS_MAX_ATTEMPTS": 4,
    "SKILLS_BACKOFF_BASE": 0.5,
    "SKILLS_BACKOFF_CAP": 20.0,
    "SKILLS_DEADLINE_SECONDS": 180.0,
    # Worker liveness: heartbeat period, and when a running invocation counts as abandoned.
    "SKILLS_HEARTBEAT_SECONDS": 10.0,
    "SKILLS_STALE_AFTER_SECONDS": 60.0,
    # Sweeper: a queued invocation whose message is older than this is published again,
    # at most SKILLS_MAX_ENQUEUES times in all before it is failed.
    "SKILLS_REQUEUE_AFTER_SECONDS": 120.0,
    "SKILLS_MAX_ENQUEUES": 5,
    "SKILLS_SWEEP_BATCH": 500,
}


def tunable(name: str) -> float:
    """The value of `name`: settings first, then the environment, then the default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return DEFAULTS[name]
    return float(value)


def tunable_int(name: str) -> int:
    return int(tunable(name))
