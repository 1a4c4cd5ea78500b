"""Services publish tasks by name, so every process must know the names, not only workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from skills.services import dispatch

PROBE = (
    "import django, json; django.setup(); from celery import current_app; "
    "print(json.dumps(sorted(current_app.tasks)))"
)


def test_it_knows_every_published_task_in_a_fresh_process() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout
    names = set(json.loads(out.strip().splitlines()[-1]))
    assert {dispatch.RUN_INVOCATION, dispatch.RUN_AGENT_RUN} <= names
    assert {"providers.run_health_checks", "providers.check_connection"} <= names
