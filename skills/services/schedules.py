"""The periodic tasks, as django-celery-beat rows (editable in the Django admin).

`ensure_schedules` is idempotent and only creates what is missing: an administrator's change
to an interval or an `enabled` flag survives re-running it. A data migration calls it with
the historical app registry; seeding may call it with the live one.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.utils import timezone

SCHEDULES: tuple[dict[str, Any], ...] = (
    {
        "name": "Health checks of active connections",
        "task": "providers.run_health_checks",
        "every": 300,
    },
    {
        "name": "Invocation sweeper (lost messages, dead workers)",
        "task": "skills.sweep_invocations",
        "every": 30,
    },
    {
        "name": "Usage roll-up (daily totals)",
        "task": "skills.roll_up_usage",
        "every": 15,
    },
    {
        "name": "Retention purge (invocations, outbound log)",
        "task": "skills.purge_old_records",
        "crontab": {"minute": "17", "hour": "3"},
    },
)


def ensure_schedules(apps: Any = global_apps) -> int:
    """Create missing periodic tasks; returns how many were created."""
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    changes_model = apps.get_model("django_celery_beat", "PeriodicTasks")
    created = 0
    for spec in SCHEDULES:
        if task_model.objects.filter(name=spec["name"]).exists():
            continue
        schedule: dict[str, Any] = {}
        if "every" in spec:
            schedule["interval"], _ = interval_model.objects.get_or_create(
                every=spec["every"], period="seconds"
            )
        else:
            schedule["crontab"], _ = crontab_model.objects.get_or_create(
                minute=spec["crontab"]["minute"],
                hour=spec["crontab"]["hour"],
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="UTC",
            )
        task_model.objects.create(name=spec["name"], task=spec["task"], enabled=True, **schedule)
        created += 1
    if created:
        # Tell a running beat to reload (the admin's signal does this for its own edits).
        changes_model.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
    return created
