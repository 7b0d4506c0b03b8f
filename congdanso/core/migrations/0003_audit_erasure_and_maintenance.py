"""Refine the append-only audit triggers (0002), on SQLite and PostgreSQL alike.

* Erasing a user account must work: the only change allowed to an entry is ``actor_id`` going to NULL with every
  other column untouched (Django's ``on_delete=SET_NULL``). ``actor_label`` keeps the name.
* ``flush`` (and a future retention purge) may empty the table inside ``congdanso.core.audit.maintenance_mode()``:
  a transaction-local setting on PostgreSQL, a per-connection SQL function on SQLite (registered in CoreConfig).
* PostgreSQL also refuses TRUNCATE outside maintenance.

The SQLite trigger names stay those of 0002. A table rebuild on SQLite (an ALTER of AuditEntry) drops triggers:
such a migration must recreate them (the core tests check that they still work, and that the column list below
matches the model).
"""

from django.db import migrations

# Every column of core_auditentry except actor_id: none of them may ever change.
PROTECTED_COLUMNS = ["id", "at", "actor_label", "action", "object_type", "object_id", "ip_address", "data"]
_UNCHANGED = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in PROTECTED_COLUMNS)

SQLITE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
    "CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    "WHEN NOT congdanso_audit_maintenance() "
    f"AND NOT (NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL AND {_UNCHANGED}) "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
    "WHEN NOT congdanso_audit_maintenance() "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
    "CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
    BEGIN
        IF current_setting('congdanso.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
               AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit log is append-only';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE FUNCTION core_auditentry_no_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('congdanso.audit_maintenance', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit log is append-only';
    END;
    $$ LANGUAGE plpgsql;
    """,
    "CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_no_truncate();",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER core_auditentry_no_truncate ON core_auditentry;",
    "DROP FUNCTION core_auditentry_no_truncate();",
    "CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
