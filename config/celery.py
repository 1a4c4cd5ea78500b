"""Celery application: configuration comes from Django settings (CELERY_* names).

Workers run the `threads` pool (LLM calls are I/O-bound: hundreds in flight on two cores).
Django gives every thread its own database connection, so connections are handled
explicitly:

- each task starts and ends with `close_old_connections()` and ends by closing its thread's
  connection, so an idle thread holds none;
- the execution engine also gives the connection back while it waits on a provider, so a
  thread holds one only around its short reads and writes (claim, resolve, log, finish);
- except the first few threads of the process (SKILLS_DB_KEEP_CONNECTIONS, default 8; see
  `core.dbconn`), which keep theirs, so calls at low concurrency do not pay a new
  PostgreSQL connection (milliseconds) twice per invocation;
- Celery's own Django fixup would close every connection of the thread before and after each
  task, whatever CONN_MAX_AGE says, so every task paid a new PostgreSQL connection (~4 ms,
  a third of the worker's run at one call in flight); settings.CELERY_DB_REUSE_MAX turns
  that off (a public Celery setting) and leaves connections to the handlers below.

Open connections therefore track the threads doing database work at that instant plus those
few, not the pool size; the worst case is still one per thread. The Procfile's default of 64 threads plus
the web process (2 workers x 4 threads) and beat stays under PostgreSQL's default
`max_connections` of 100. For the 200-in-flight target set WORKER_CONCURRENCY=200 and raise
`max_connections` (or put PgBouncer in front); SQLite needs nothing. Schedules live in
django-celery-beat rows (`skills.services.schedules`), not here.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("byok_console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _fresh_connection(**_: object) -> None:
    from django.db import close_old_connections, connection

    if not connection.in_atomic_block:  # eager tasks inside a caller's transaction
        close_old_connections()


@task_postrun.connect
def _release_connection(**_: object) -> None:
    from core.dbconn import release_after_task

    release_after_task()
