"""The lean INSERT writes what Model.save() would have written, on either engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from congdanso.accounts.models import User
from congdanso.core import inserts
from congdanso.core.models import AuditEntry, OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def columns(obj: Any) -> dict[str, Any]:
    """Every column of the stored row, read back through the ORM."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(obj)._meta.concrete_fields if not f.primary_key}


def test_an_inserted_row_reads_back_like_one_the_orm_saved() -> None:
    actor = User.objects.create(username="insert-actor", kind="staff")
    when = timezone.now() - dt.timedelta(days=1)
    fields = {"action": "report.submitted", "actor": actor, "actor_label": "Cán bộ Đường", "object_type": "x.y",
              "object_id": "42", "ip_address": "2001:db8::1", "at": when,
              "data": {"code": "PA-2026-000001", "amount": Decimal("1.50"), "when": when, "nested": [1, "đ"]}}
    lean = AuditEntry(**fields)
    inserts.insert([lean])
    orm = AuditEntry.objects.create(**fields)
    assert lean.pk is not None and lean.pk != orm.pk
    assert not lean._state.adding and lean._state.db == "default"
    assert columns(lean) == columns(orm)
    assert columns(lean)["data"]["amount"] == "1.50"  # the field's own encoder (DjangoJSONEncoder) was used


def test_several_rows_in_one_statement_get_their_own_ids_in_order(django_assert_num_queries: Any) -> None:
    rows = [OutboxMessage(topic="t.many", payload={"n": n}, available_at=timezone.now()) for n in range(3)]
    with django_assert_num_queries(1):
        inserts.insert(rows)
    assert len({row.pk for row in rows}) == 3
    stored = dict(OutboxMessage.objects.filter(topic="t.many").values_list("pk", "payload"))
    assert stored == {row.pk: {"n": n} for n, row in enumerate(rows)}
    assert {m.status for m in OutboxMessage.objects.filter(topic="t.many")} == {OutboxStatus.PENDING}  # defaults


def test_a_row_with_its_primary_key_set_is_stored_under_that_key() -> None:
    taken = OutboxMessage.objects.create(topic="t.pk", payload={}, available_at=timezone.now()).pk
    row = OutboxMessage(pk=taken + 1000, topic="t.pk", payload={"k": 1}, available_at=timezone.now())
    inserts.insert([row])
    assert row.pk == taken + 1000
    assert OutboxMessage.objects.get(pk=taken + 1000).payload == {"k": 1}


def test_expressions_and_mixed_batches_are_refused_and_nothing_is_written() -> None:
    with pytest.raises(inserts.UnsupportedValue):
        inserts.insert([OutboxMessage(topic="t.expr", payload={}, available_at=Now())])
    with pytest.raises(ValueError):
        inserts.insert([OutboxMessage(topic="t.mix", payload={}, available_at=timezone.now()),
                        AuditEntry(action="x")])
    with pytest.raises(ValueError):
        inserts.insert([OutboxMessage(topic="t.mix", payload={}, available_at=timezone.now()),
                        OutboxMessage(pk=10**9, topic="t.mix", payload={}, available_at=timezone.now())])
    assert not OutboxMessage.objects.filter(topic__in=["t.expr", "t.mix"]).exists()
    inserts.insert([])  # nothing to do


def test_the_statement_is_built_once_per_shape() -> None:
    inserts._statement.cache_clear()
    for n in range(3):
        inserts.insert([AuditEntry(action=f"shape.{n}")])
    inserts.insert([AuditEntry(action="shape.a"), AuditEntry(action="shape.b")])
    info = inserts._statement.cache_info()
    assert (info.misses, info.hits) == (2, 2)
    assert connection.vendor in ("sqlite", "postgresql")
