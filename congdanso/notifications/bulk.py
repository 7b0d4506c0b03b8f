"""The one hand-written SQL writer: multi-row INSERT … RETURNING id for fan-out, and the delivery claim/sent UPDATEs.

A fan-out writes two rows per recipient (the inbox entry and a delivery) for up to 100,000 recipients; building a
model instance per row for ``bulk_create`` costs several times the CPU of a plain tuple of values, and the write lock
is held meanwhile (the measurement is in docs/performance.md, "Fan-out writes"). Here a row is a tuple of plain
values (int, str, bool, None, aware datetime), adapted once per distinct datetime, and sent 500 rows per statement.
PostgreSQL and SQLite ≥ 3.35 return the ids; elsewhere rows are inserted one by one through the ORM. The models
written here (``Notification``, ``Delivery``) have no ``save()`` override and no signal receivers; a test keeps it so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models

CHUNK = 500


def insert_returning(model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> list[int]:
    if not rows:
        return []
    meta = model._meta
    if not connection.features.can_return_rows_from_bulk_insert:  # SQLite < 3.35: one INSERT per row, slower
        names = [cast(models.Field, meta.get_field(f)).attname for f in fields]
        return [model._default_manager.create(**dict(zip(names, row, strict=True))).pk for row in rows]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(models.Field, meta.get_field(f)).column) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    adapted: dict[dt.datetime, Any] = {}

    def prep(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            if value not in adapted:
                adapted[value] = connection.ops.adapt_datetimefield_value(value)
            return adapted[value]
        return value

    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            # Identifiers come from the model's meta, every value is a parameter.
            values = ", ".join([placeholder] * len(chunk))
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} RETURNING {quote(meta.pk.column)}"  # noqa: S608
            cursor.execute(sql, [prep(v) for row in chunk for v in row])
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _in(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids))


def claim(ids: Sequence[int], token: str, now: dt.datetime, lease_cutoff: dt.datetime) -> None:
    """Claim the due rows among ``ids`` for ``token``: queued ones, and sending ones whose lease ran out.

    One conditional UPDATE, so two workers never hold the same row. Raw SQL because the ORM prepares each of the
    (up to a thousand) ids in Python, which cost more than the statement itself.
    """
    from congdanso.notifications.models import Delivery, DeliveryStatus

    if not ids:
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    at = connection.ops.adapt_datetimefield_value
    sql = (f"UPDATE {table} SET status = %s, claimed_by = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608
           f"WHERE id IN ({_in(ids)}) AND available_at <= %s "
           "AND (status = %s OR (status = %s AND claimed_at < %s))")
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.SENDING, token, at(now), *ids, at(now), DeliveryStatus.QUEUED,
                             DeliveryStatus.SENDING, at(lease_cutoff)])


def mark_sent(ids: Sequence[int], token: str, now: dt.datetime) -> None:
    """Record ``ids`` as sent; a row a push receipt already made "delivered" keeps that status."""
    from congdanso.notifications.models import Delivery, DeliveryStatus

    if not ids:
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sql = (f"UPDATE {table} SET status = CASE WHEN status = %s THEN %s ELSE status END, "  # noqa: S608
           f"sent_at = %s, last_error = '' WHERE id IN ({_in(ids)}) AND claimed_by = %s AND status IN (%s, %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [DeliveryStatus.SENDING, DeliveryStatus.SENT,
                             connection.ops.adapt_datetimefield_value(now), *ids, token, DeliveryStatus.SENDING,
                             DeliveryStatus.DELIVERED])
