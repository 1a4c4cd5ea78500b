"""Log-in lockout: after repeated failures, refuse further attempts for a while.

Failures are counted per username (LOGIN_LOCKOUT_FAILURES) and per client address
(LOGIN_LOCKOUT_FAILURES_PER_ADDRESS) within LOGIN_LOCKOUT_WINDOW_SECONDS of the first one.
Reaching either count locks that username or address for LOGIN_LOCKOUT_SECONDS, during which
a log-in door refuses attempts without checking the password. A success clears the
username's count (not the address's: one good account must not buy another round of guesses
at others).

Usernames are counted whether or not such a user exists, so a lock says nothing about which
names are real; they are kept only as hashes. Counts live in Django's default cache, with the
API throttles (core/throttles.py).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PREFIX = "login-lockout"


@dataclass(frozen=True)
class _Subject:
    kind: str  # "user" or "address"
    ident: str
    limit: int

    @property
    def count_key(self) -> str:
        return f"{PREFIX}:count:{self.kind}:{self.ident}"

    @property
    def lock_key(self) -> str:
        return f"{PREFIX}:lock:{self.kind}:{self.ident}"


def _subjects(username: str, address: str) -> list[_Subject]:
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return [
        _Subject("user", name, int(settings.LOGIN_LOCKOUT_FAILURES)),
        _Subject("address", address, int(settings.LOGIN_LOCKOUT_FAILURES_PER_ADDRESS)),
    ]


def locked_for(username: str, address: str) -> int:
    """Seconds until attempts for this username from this address are accepted; 0: now."""
    now = time.time()
    ends = cache.get_many([s.lock_key for s in _subjects(username, address)]).values()
    return max((math.ceil(end - now) for end in ends if end > now), default=0)


def record_failure(username: str, address: str) -> int:
    """Count a failed attempt; returns `locked_for` afterwards (non-zero if this one locked)."""
    window = int(settings.LOGIN_LOCKOUT_WINDOW_SECONDS)
    for subject in _subjects(username, address):
        if subject.limit <= 0:
            continue
        cache.add(subject.count_key, 0, timeout=window)
        try:
            count = cache.incr(subject.count_key)
        except ValueError:  # expired between the two calls: this failure starts a window
            cache.set(subject.count_key, count := 1, timeout=window)
        if count >= subject.limit:
            seconds = int(settings.LOGIN_LOCKOUT_SECONDS)
            cache.set(subject.lock_key, time.time() + seconds, timeout=seconds)
            cache.delete(subject.count_key)
    return locked_for(username, address)


def record_success(username: str, address: str) -> None:
    """Clear the username's count of failures (the address keeps its own)."""
    cache.delete(_subjects(username, address)[0].count_key)
