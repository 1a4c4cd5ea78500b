"""Create the periodic tasks (health checks, sweeper, retention) as django-celery-beat rows."""

from django.db import migrations


def create_schedules(apps, schema_editor):
    from skills.services.schedules import ensure_schedules

    ensure_schedules(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("skills", "0002_invocation_claim_and_enqueue_tracking"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
