"""INSERT of new model instances on hot paths, with the SQL built once per table shape.

``Model.save()`` and ``bulk_create()`` compile a new INSERT every time: for a report submission (the report, two
history rows, an outbox row, an audit entry) the ORM's statement building cost more CPU than everything else the
request does. ``insert()`` does what they do for plain new rows: the same columns (``local_concrete_fields``
without an unset auto primary key), values prepared by each field exactly as the ORM's insert compiler prepares them
(``pre_save(obj, add=True)`` then ``get_db_prep_save``: defaults, ``auto_now_add``, JSON, encrypted fields), one
statement for all the instances, and the database-returned fields (the primary key) set on them.

It sends no ``pre_save``/``post_save`` signals and does not run a model's own ``save()``: use it only for models
that rely on neither, and only for new rows (values that are query expressions are refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models


class UnsupportedValue(TypeError):
    pass


@cache
def _columns(model: type[models.Model], with_pk: bool) -> tuple[models.Field, ...]:
    meta = model._meta
    return tuple(f for f in meta.local_concrete_fields if not f.generated and (with_pk or f is not meta.auto_field))


@cache
def _statement(model: type[models.Model], with_pk: bool, rows: int, alias: str
               ) -> tuple[str, tuple[tuple[models.Field, Any, list[Any]], ...]]:
    """The INSERT … RETURNING for ``rows`` rows, and each returned field with its column and value converters."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    fields = _columns(model, with_pk)
    returned = model._meta.db_returning_fields
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Names come from the model's metadata, quoted; every value is a parameter.
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES {', '.join([row] * rows)} RETURNING {', '.join(quote(f.column) for f in returned)}")
    converters = []
    for field in returned:
        column = field.get_col(table)
        converters.append((field, column,
                           connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return sql, tuple(converters)


def insert(objs: Sequence[models.Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert these new instances (all of one model, primary keys all set or all unset) in one statement."""
    if not objs:
        return
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    if any(type(obj) is not model or (obj.pk is not None) != with_pk for obj in objs):
        raise ValueError("insert() takes instances of one model whose primary keys are all set or all unset")
    if model._meta.parents:
        raise ValueError(f"{model.__name__} inherits from a concrete model: its rows span tables, use save()")
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:  # an old SQLite: one save() each
        for obj in objs:
            obj.save(force_insert=True, using=using)
        return
    fields = _columns(model, with_pk)
    sql, returning = _statement(model, with_pk, len(objs), using)
    params: list[Any] = []
    for obj in objs:
        for field in fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):
                raise UnsupportedValue(f"{model.__name__}.{field.name}: expressions need Model.save()")
            params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for obj, values in zip(objs, cursor.fetchall(), strict=True):
            for (field, column, converters), value in zip(returning, values, strict=True):
                for converter in converters:
                    value = converter(value, column, connection)
                setattr(obj, field.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
