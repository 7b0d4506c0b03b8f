"""Authentication backend: Django's ModelBackend, loading the signed-in user with one SQL text built once.

Every signed-in request loads its user. ``User.objects.get(pk=…)`` compiles a new SELECT of the ~25 columns each
time (~100 µs of CPU, about a tenth of a report submission's framework cost). Here the SELECT and each column's
converters are prepared once, and the row becomes a user through ``Model.from_db`` with the values converted as
the ORM converts them (decrypted personal ID; dates and booleans on SQLite): the same instance, for less.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections

from congdanso.accounts.models import User

PATH = "congdanso.accounts.backends.AccountBackend"


@cache
def _select_by_pk(alias: str) -> tuple[str, tuple[str, ...], tuple[tuple[Any, list[Any]], ...]]:
    """The SELECT, the attribute names in its column order, and each column's field with its value converters
    (the ones the ORM's compiler would apply: decryption, SQLite's dates and booleans)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = User._meta
    fields = meta.concrete_fields
    sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)} "  # noqa: S608
           f"WHERE {quote(meta.pk.column)} = %s")
    converters = []
    for field in fields:
        column = field.get_col(meta.db_table)
        converters.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return sql, tuple(f.attname for f in fields), tuple(converters)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = User._default_manager.db
        sql, names, converters = _select_by_pk(alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for value, (column, functions) in zip(row, converters, strict=True):
            for convert in functions:
                value = convert(value, column, connection)
            values.append(value)
        user = User.from_db(alias, names, values)
        return user if self.user_can_authenticate(user) else None
