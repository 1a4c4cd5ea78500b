"""Filter indexes that carry every filter column; vacuum the log as it grows.

Each (column, created_at, id) index now includes the other filter columns, so a page
filtered on several columns walks one index range and never visits a row that does not
match (auditlog.queries). On PostgreSQL the new indexes are built, and the old ones dropped,
concurrently: the outbound log is written by every provider call, and a plain CREATE INDEX
on a table of millions would hold those writes for the whole build. The new indexes exist
before the old ones go, so pages stay served by an index throughout.

An index-only walk skips the table only for pages the visibility map marks all-visible,
and the walks start at the newest rows. By default PostgreSQL vacuums an insert-only table
after inserts of 20 % of its size (200,000 rows at 1,000,000); the log is vacuumed after
1 % (at most 10,000 rows more), so little of its newest part is left unmarked.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

TABLE = "auditlog_outboundrequest"
OLD = {
    "provider": "outbound_provider_time",
    "connection": "outbound_conn_time",
    "route": "outbound_route_time",
    "host": "outbound_host_time",
    "status_code": "outbound_status_time",
}
NEW = {
    "provider": "outbound_provider_page",
    "connection": "outbound_conn_page",
    "route": "outbound_route_page",
    "host": "outbound_host_page",
    "status_code": "outbound_status_page",
}
COLUMNS = (*NEW, "purpose")
VACUUM = {
    "autovacuum_vacuum_insert_scale_factor": "0.01",
    "autovacuum_vacuum_insert_threshold": "10000",
}


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class ConcurrentlyOnPostgreSQL:
    """The concurrent operation on PostgreSQL, its plain counterpart (`plain`) elsewhere."""

    plain: type[migrations.AddIndex] | type[migrations.RemoveIndex]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _on_postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndex(ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndex(ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex


def _vacuum_sooner(apps, schema_editor) -> None:
    if _on_postgresql(schema_editor):
        settings = ", ".join(f"{name} = {value}" for name, value in VACUUM.items())
        schema_editor.execute(f'ALTER TABLE "{TABLE}" SET ({settings})')


def _vacuum_default(apps, schema_editor) -> None:
    if _on_postgresql(schema_editor):
        schema_editor.execute(f'ALTER TABLE "{TABLE}" RESET ({", ".join(VACUUM)})')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("auditlog", "0002_drop_duplicate_fk_indexes"),
    ]

    operations = [
        *(
            AddIndex(
                model_name="outboundrequest",
                index=models.Index(
                    fields=[field, "-created_at", "-id"],
                    include=[f for f in COLUMNS if f != field],
                    name=name,
                ),
            )
            for field, name in NEW.items()
        ),
        *(RemoveIndex(model_name="outboundrequest", name=name) for name in OLD.values()),
        migrations.RunPython(_vacuum_sooner, _vacuum_default, elidable=True),
    ]
