"""Tunables of the execution engine (declared in config/settings.py from the environment).

Defaults suit production; tests and the integration tier shorten them (e.g. a stale-heartbeat
deadline of seconds instead of a minute) through settings, and through the environment of the
worker processes they start.
"""

from __future__ import annotations

from django.conf import settings

TUNABLES = (
    "SKILLS_MAX_ATTEMPTS",  # attempts of one route
    "SKILLS_BACKOFF_BASE",  # backoff base and cap (s)
    "SKILLS_BACKOFF_CAP",
    "SKILLS_DEADLINE_SECONDS",  # the whole call's deadline (s)
    "SKILLS_HEARTBEAT_SECONDS",  # worker liveness: heartbeat period
    "SKILLS_STALE_AFTER_SECONDS",  # ... and when a running invocation counts as abandoned
    "SKILLS_REQUEUE_AFTER_SECONDS",  # sweeper: republish a queued invocation this old,
    "SKILLS_MAX_ENQUEUES",  # ... at most this many publishes in all before failing it
    "SKILLS_SWEEP_BATCH",
    "SKILLS_WRITE_RETRY_SECONDS",  # keep retrying a run's last writes while the DB is down
)


def tunable(name: str) -> float:
    if name not in TUNABLES:
        raise KeyError(name)
    return float(getattr(settings, name))


def tunable_int(name: str) -> int:
    return int(tunable(name))
