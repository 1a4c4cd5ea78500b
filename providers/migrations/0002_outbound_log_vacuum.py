"""Vacuum the outbound log as it grows.

An index-only walk of the log's filter indexes skips the table only for pages the visibility
map marks all-visible, and the walks start at the newest rows. By default PostgreSQL vacuums
an insert-only table after inserts of 20 % of its size (200,000 rows at 1,000,000); the log is
vacuumed after 1 % (at most 10,000 rows more), so little of its newest part is left unmarked.
"""

from django.db import migrations

TABLE = "providers_outboundrequest"
VACUUM = {
    "autovacuum_vacuum_insert_scale_factor": "0.01",
    "autovacuum_vacuum_insert_threshold": "10000",
}


def _vacuum_sooner(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        settings = ", ".join(f"{name} = {value}" for name, value in VACUUM.items())
        schema_editor.execute(f'ALTER TABLE "{TABLE}" SET ({settings})')


def _vacuum_default(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" RESET ({", ".join(VACUUM)})')


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [migrations.RunPython(_vacuum_sooner, _vacuum_default, elidable=True)]
