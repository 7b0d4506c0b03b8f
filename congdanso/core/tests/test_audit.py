"""The audit log is append-only: in the model and in the database itself (trigger from migration 0002)."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from congdanso.accounts.models import User, UserKind
from congdanso.core import audit
from congdanso.core.models import AppendOnlyError, AuditEntry

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def entry(officer: User) -> AuditEntry:
    return audit.record("report.view", actor=officer, object_type="reports.report", object_id="42",
                        ip="203.113.1.7", reason="xử lý phản ánh")


@pytest.mark.django_db
def test_record_writes_who_what_where(officer: User, citizen: User) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    entry = audit.record("user.view", actor=officer, obj=citizen, request=request, fields=["personal_id"])
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "user.view"
    assert stored.actor == officer
    assert stored.actor_label == str(officer)
    assert stored.object_type == "accounts.user"
    assert stored.object_id == str(citizen.pk)
    assert stored.ip_address == "10.1.2.3"
    assert stored.data == {"fields": ["personal_id"]}
    assert stored.at is not None


@pytest.mark.django_db
def test_record_without_a_logged_in_actor() -> None:
    entry = audit.record("system.cleanup", actor="hệ thống", object_type="x", object_id=7)
    assert entry.actor is None
    assert entry.actor_label == "hệ thống"
    assert entry.object_id == "7"
    assert entry.ip_address is None
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_model_refuses_update(entry: AuditEntry) -> None:
    entry.action = "report.edit"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "report.view"


@pytest.mark.django_db
def test_model_refuses_delete(entry: AuditEntry) -> None:
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_queryset_update_is_refused_by_the_database(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    assert AuditEntry.objects.get(pk=entry.pk).action == "report.view"


@pytest.mark.django_db
def test_queryset_delete_is_refused_by_the_database(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_raw_sql_update_is_refused_by_the_database(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_label = %s WHERE id = %s", ["someone else", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == entry.actor_label


@pytest.mark.django_db
def test_raw_sql_delete_is_refused_by_the_database(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_clearing_the_actor_cannot_smuggle_in_another_change(entry: AuditEntry) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET actor_id = NULL, action = %s WHERE id = %s", ["nothing", entry.pk]
        )
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.actor_id, kept.action) == (entry.actor_id, "report.view")


@pytest.mark.django_db
def test_raw_sql_cannot_point_an_entry_at_another_user(entry: AuditEntry, citizen: User) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [citizen.pk, entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor_id == entry.actor_id


@pytest.mark.django_db(transaction=True)
def test_deleting_a_user_keeps_their_audit_trail() -> None:
    """Erasing an account (privacy request) must not fail on, nor erase, what the account did."""
    user = User.objects.create(username="oidc-xoa", kind=UserKind.CITIZEN, full_name="Người Sẽ Xoá")
    entry = audit.record("report.create", actor=user, object_type="reports.report", object_id="1")
    user.delete()
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.actor_id is None
    assert kept.actor_label == "Người Sẽ Xoá"
    assert kept.action == "report.create"


@pytest.mark.django_db
def test_only_the_set_null_of_an_erased_user_gets_through(entry: AuditEntry) -> None:
    # What Django's on_delete=SET_NULL sends; anything more is refused (tests above).
    AuditEntry.objects.filter(pk=entry.pk).update(actor=None)
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.actor_id is None
    assert kept.actor_label == entry.actor_label


@pytest.mark.django_db
def test_truncate_is_refused_on_postgresql(entry: AuditEntry) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is covered above)")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses to run with deferred checks pending
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_maintenance_mode_lets_the_table_be_emptied_and_ends_with_the_block(entry: AuditEntry) -> None:
    with audit.maintenance_mode():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 0
    again = audit.record("after.maintenance")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=again.pk).delete()
    assert AuditEntry.objects.filter(pk=again.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log_and_keeps_the_triggers() -> None:
    audit.record("before.flush")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
    entry = audit.record("after.flush")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    # This test's own teardown flushes again, with an entry in the table: that must work on both engines.


def test_trigger_column_list_matches_the_model() -> None:
    """Adding a column to AuditEntry must extend the SQLite trigger (migration 0003) too."""
    migration = importlib.import_module("congdanso.core.migrations.0003_audit_erasure_and_maintenance")
    columns = {field.column for field in AuditEntry._meta.concrete_fields}
    assert columns == {*migration.PROTECTED_COLUMNS, "actor_id"}


@pytest.mark.django_db
def test_record_accepts_dates_and_decimals_and_truncates_long_ids():
    import datetime as dt
    from decimal import Decimal

    entry = audit.record("test.values", object_type="x", object_id="9" * 100,
                         due=dt.date(2027, 2, 11), amount=Decimal("1.50"))
    entry.refresh_from_db()
    assert entry.data == {"due": "2027-02-11", "amount": "1.50"}
    assert entry.object_id == "9" * 64
