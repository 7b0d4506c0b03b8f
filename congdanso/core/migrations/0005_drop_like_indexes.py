"""PostgreSQL only: drop the LIKE (varchar_pattern_ops) twins Django builds beside indexed CharFields.

Nothing searches the audit log's ``action`` or the outbox ``topic`` by prefix, and every audit entry and outbox row
(one of each per report written) paid for updating them. The plain btree indexes stay.
"""

from django.db import migrations

from congdanso.core.migrations_util import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_data_encoder")]

    operations = [
        migrations.RunPython(drop_pattern_ops_indexes({"core_auditentry": ["action"],
                                                       "core_outboxmessage": ["topic"]}),
                             migrations.RunPython.noop),
    ]
