"""The folded text of each report (description and address, lower case, no diacritics) for the public search; on
PostgreSQL a trigram GIN index serves its ``LIKE '%…%'`` (pg_trgm, when the extension can be created)."""

from django.db import migrations, models

BATCH = 500


def fill(apps, schema_editor):
    from congdanso.lib.text import search_text

    Report = apps.get_model("reports", "Report")
    last = 0
    while True:
        rows = list(Report.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "description", "address")[:BATCH])
        if not rows:
            break
        for pk, description, address in rows:
            Report.objects.filter(pk=pk).update(search_folded=search_text(f"{description} {address}"))
        last = rows[-1][0]


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.db import transaction

    try:
        with transaction.atomic():
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # no right to create the extension: the search still works, by a sequential scan
        return
    schema_editor.execute("CREATE INDEX IF NOT EXISTS report_search_trgm ON reports_report "
                          "USING gin (search_folded gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS report_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_moderation_review_sms_consent")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="search_folded",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]
