"""The rows the skills app needs from the start: the periodic tasks (health checks, sweeper,
usage roll-up, retention) as django-celery-beat schedules, and the configuration generation
counter that invalidates every process's configuration cache."""

from django.db import migrations


def create_rows(apps, schema_editor):
    from skills.services.schedules import ensure_schedules

    ensure_schedules(apps)
    apps.get_model("skills", "ConfigGeneration").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("skills", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
