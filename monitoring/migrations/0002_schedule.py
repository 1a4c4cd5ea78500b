"""The alert evaluation's periodic task, as a django-celery-beat row (editable in the admin)."""

from django.db import migrations

NAME = "Alert rules (evaluate, notify)"


def create_schedule(apps, schema_editor):
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    if task_model.objects.filter(name=NAME).exists():
        return
    interval, _ = interval_model.objects.get_or_create(every=60, period="seconds")
    task_model.objects.create(
        name=NAME, task="monitoring.evaluate_alerts", interval=interval, enabled=True
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
