"""Celery in eager mode: a published task runs at once, inside the publishing call.

Runs are a worker's, never the web request's; a test that needs a run finished without a
worker process imports this fixture. The task is published when the transaction commits, so
a test inside pytest-django's transaction also wraps the request in
`django_capture_on_commit_callbacks(execute=True)` (or is transactional).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.celery import app as celery_app


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved
