"""The search indexes (``searchindex``): on PostgreSQL the pg_trgm extension, a full-text GIN index and trigram GIN
indexes; on SQLite an FTS5 table (trigram tokenizer) kept by triggers. Nothing on other engines."""

from django.db import migrations


def create(apps, schema_editor):
    from congdanso.procedures import searchindex

    searchindex.create(schema_editor.connection)


def drop(apps, schema_editor):
    from congdanso.procedures import searchindex

    searchindex.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
