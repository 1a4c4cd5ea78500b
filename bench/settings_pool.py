"""Settings for measuring a PostgreSQL connection pool per process (Django's psycopg pool).

The product's settings open a connection per thread; the engine closes it while a provider
call is in flight, so every invocation reconnects. With `BENCH_DB_POOL_MAX` set, this module
turns on Django's native pool instead (CONN_MAX_AGE must then be 0): `connection.close()`
hands the connection back to the pool, and at most that many connections per process exist.
"""

from __future__ import annotations

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

_max = int(os.environ.get("BENCH_DB_POOL_MAX", "0") or 0)
if _max and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {"min_size": 2, "max_size": _max, "timeout": 30},
    }
