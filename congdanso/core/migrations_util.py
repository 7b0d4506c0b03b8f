"""Helpers for data-less migrations shared by several apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def drop_pattern_ops_indexes(columns_by_table: dict[str, list[str]]) -> Callable[[Any, Any], None]:
    """A RunPython function dropping, on PostgreSQL, the ``varchar_pattern_ops`` index of each given column.

    Django adds such an index beside every indexed or unique CharField for ``LIKE 'x%'`` lookups; where none are
    made it only costs writes. Later migrations altering the field drop it with IF EXISTS, so its absence is safe.
    """

    def run(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for table, columns in columns_by_table.items():
                for column in columns:
                    cursor.execute(
                        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                        "AND indexdef LIKE %s",
                        [table, f"%({column} varchar_pattern_ops)%"])
                    for (name,) in cursor.fetchall():
                        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")

    return run
