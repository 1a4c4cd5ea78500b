"""Drop the foreign keys' own indexes on invocation_id and agent_run_id.

Each column was indexed twice: by the foreign key (db_index) and by the named index in
Meta (outbound_invocation, outbound_agent_run). Every log row paid for both. Only the
indexes are dropped: altering the fields in the database would drop and re-validate the
foreign-key constraints over the whole log.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "auditlog_outboundrequest"
DUPLICATES = {
    "invocation_id": "auditlog_outboundrequest_invocation_id_798e4ed4",
    "agent_run_id": "auditlog_outboundrequest_agent_run_id_8af2922a",
}


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="outboundrequest",
                    name="agent_run",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="outbound_requests",
                        to="skills.agentrun",
                    ),
                ),
                migrations.AlterField(
                    model_name="outboundrequest",
                    name="invocation",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="outbound_requests",
                        to="skills.invocation",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}")',
                )
                for column, name in DUPLICATES.items()
            ],
        ),
    ]
