"""Fewer indexes to write per report: the LIKE twins of ``code`` and ``idempotency_key`` (PostgreSQL; both are
only looked up exactly) and the events' single-column ``report_id`` index, which the (report, id) index leads."""

import django.db.models.deletion
from django.db import migrations, models

from congdanso.core.migrations_util import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_street_index_fewer_fk_indexes"), ("core", "0005_drop_like_indexes")]

    operations = [
        migrations.RunPython(drop_pattern_ops_indexes({"reports_report": ["code", "idempotency_key"]}),
                             migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reportevent",
            name="report",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="events", to="reports.report"),
        ),
    ]
