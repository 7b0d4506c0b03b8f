# The encoder only changes how Python serialises values (dates, decimals, UUIDs); the column is unchanged.
# State-only, because SQLite would rebuild the table for an AlterField and drop the append-only triggers with it.

import django.core.serializers.json
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_erasure_and_maintenance"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="data",
                    field=models.JSONField(
                        blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder,
                        verbose_name="chi tiết",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
