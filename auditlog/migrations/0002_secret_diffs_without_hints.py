"""Audit events written before secrets were recorded value-free held a masked hint of each
secret (`••••abcd`, its last four characters). Rewrite them to the fact of the change only
(`[None, "set"]`, `["set", "changed"]`, `["set", None]`), as new events are written.

Not reversible: the hints are gone on purpose.
"""

from django.db import migrations

SECRET_PREFIX = "secrets."
SET, CHANGED = "set", "changed"
BATCH = 500


def _pair(value):
    if not isinstance(value, list) or len(value) != 2:
        return [SET, CHANGED]  # not a diff this console wrote: keep only that it moved
    had, has = value[0] is not None, value[1] is not None
    if not had:
        return [None, SET]
    if not has:
        return [SET, None]
    return [SET, CHANGED]


def forget_hints(apps, schema_editor):
    AuditEvent = apps.get_model("auditlog", "AuditEvent")
    rows = AuditEvent.objects.filter(object_type="providers.connection").order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("id", "changes")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for event in batch:
            changes = event.changes if isinstance(event.changes, dict) else {}
            secrets = {k: v for k, v in changes.items() if k.startswith(SECRET_PREFIX)}
            rewritten = {k: _pair(v) for k, v in secrets.items()}
            if rewritten != secrets:
                event.changes = {**changes, **rewritten}
                changed.append(event)
        AuditEvent.objects.bulk_update(changed, ["changes"])


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0001_initial")]

    operations = [migrations.RunPython(forget_hints, migrations.RunPython.noop, elidable=True)]
