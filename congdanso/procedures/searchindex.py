"""The search indexes of the catalogue, created by migration 0002 and checked after every ``migrate``.

PostgreSQL: the ``pg_trgm`` extension, a GIN index on ``to_tsvector('simple', search_text)`` (full text, prefix
words) and GIN trigram indexes on ``search_text`` and ``name_key`` (typos, word order).

SQLite: an FTS5 table with the trigram tokenizer over ``name_key`` and ``search_text`` (its own padded copy of the
two columns), kept in step by three triggers. SQLite rebuilds a table to alter it, which drops its triggers: so
``ensure`` runs after every ``migrate`` (``apps.py``) and recreates what is missing, rebuilding the index then.
"""

from __future__ import annotations

from typing import Any

# Every statement below is fixed text (table and index names are constants): no input reaches this SQL.
# ruff: noqa: S608

TABLE = "procedures_procedure"
FTS = "procedures_procedure_fts"

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS procedures_search_fts ON {TABLE} "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
    f"CREATE INDEX IF NOT EXISTS procedures_search_trgm ON {TABLE} USING gin (search_text gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS procedures_name_trgm ON {TABLE} USING gin (name_key gin_trgm_ops)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS procedures_search_fts",
    "DROP INDEX IF EXISTS procedures_search_trgm",
    "DROP INDEX IF EXISTS procedures_name_trgm",
]

# The FTS table keeps its own copy of the two columns, padded with a space at each end so that a word's first and
# last trigrams (" da", "ng ") exist at the start and end of the text too, as pg_trgm pads words.
_PADDED = "' ' || {row}.name_key || ' ', ' ' || {row}.search_text || ' '"
SQLITE_TRIGGERS = {
    "procedures_fts_ai": f"""CREATE TRIGGER IF NOT EXISTS procedures_fts_ai AFTER INSERT ON {TABLE} BEGIN
  INSERT INTO {FTS}(rowid, name_key, search_text) VALUES (new.id, {_PADDED.format(row="new")});
END""",
    "procedures_fts_ad": f"""CREATE TRIGGER IF NOT EXISTS procedures_fts_ad AFTER DELETE ON {TABLE} BEGIN
  DELETE FROM {FTS} WHERE rowid = old.id;
END""",
    "procedures_fts_au": f"""CREATE TRIGGER IF NOT EXISTS procedures_fts_au AFTER UPDATE OF name_key, search_text
ON {TABLE} BEGIN
  DELETE FROM {FTS} WHERE rowid = old.id;
  INSERT INTO {FTS}(rowid, name_key, search_text) VALUES (new.id, {_PADDED.format(row="new")});
END""",
}
SQLITE_CREATE_FTS = f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(name_key, search_text, tokenize='trigram')"
SQLITE_REBUILD = [
    f"DELETE FROM {FTS}",
    f"INSERT INTO {FTS}(rowid, name_key, search_text) SELECT id, {_PADDED.format(row=TABLE)} FROM {TABLE}",
]


def create(connection: Any) -> None:
    """Create the indexes for this connection's engine (nothing on others)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_CREATE:
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_CREATE_FTS)
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
            for sql in SQLITE_REBUILD:
                cursor.execute(sql)


def drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_DROP:
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")


def missing(connection: Any) -> list[str]:
    """Names of the SQLite search objects that are not there (always empty on other engines)."""
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
                       ["procedures_%"])
        present = {row[0] for row in cursor.fetchall()}
    if TABLE not in present:  # not migrated yet
        return []
    return [name for name in (FTS, *SQLITE_TRIGGERS) if name not in present]


def ensure(connection: Any) -> bool:
    """Recreate the SQLite search table and triggers when any is missing (and rebuild the index). True if it did."""
    if not missing(connection):
        return False
    create(connection)
    return True
