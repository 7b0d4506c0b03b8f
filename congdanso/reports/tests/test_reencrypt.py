"""``manage.py reencrypt`` moves every encrypted value to the newest key, so the old key can be removed."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from congdanso.accounts.models import User, UserKind
from congdanso.lib import crypto

OLD, NEW = "old-key-2025", "new-key-2026"


def raw(model, pk, column):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("reencrypt", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_old_key_can_be_retired_after_reencrypt(citizen, category):
    from congdanso.reports import services
    from congdanso.reports.models import Report
    from congdanso.reports.tests.conftest import make_input

    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        users = [User.objects.create(username=f"oidc-{i}", kind=UserKind.CITIZEN, personal_id=f"0792030012{i:02d}")
                 for i in range(7)]
        data = make_input(category)
        data.contact_name, data.contact_phone = "Nguyễn Văn A", "0909123456"
        report = services.submit_report(data, actor=citizen, on_behalf=True).report
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        output = run("--batch-size", "3")
        assert "accounts.User (personal_id)" in output and "/" in output  # progress lines
        again = run()
        assert "0 values re-encrypted" in again
    for user in users:
        token = raw(User, user.pk, "personal_id")
        assert crypto.is_current(token, [NEW]) and not crypto.is_current(token, [OLD])
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):  # the old key is gone: everything still reads
        assert [u.personal_id for u in User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk")] == [
            u.personal_id for u in users]
        stored = Report.objects.get(pk=report.pk)
        assert (stored.contact_name, stored.contact_phone) == ("Nguyễn Văn A", "0909123456")


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_unreadable_values_are_kept():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        user = User.objects.create(username="oidc-a", kind=UserKind.CITIZEN, personal_id="079203001234")
    with override_settings(FIELD_ENCRYPTION_KEYS=["someone-elses-key"]):
        stranger = User.objects.create(username="oidc-b", kind=UserKind.CITIZEN, personal_id="079203009999")
    before = raw(User, user.pk, "personal_id"), raw(User, stranger.pk, "personal_id")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        dry = run("--dry-run", "--model", "accounts.user")
        assert "1 values would be re-encrypted" in dry and "1 unreadable" in dry
        assert (raw(User, user.pk, "personal_id"), raw(User, stranger.pk, "personal_id")) == before
        real = run("--model", "accounts.user")
        assert "1 values re-encrypted" in real
    assert raw(User, stranger.pk, "personal_id") == before[1]  # never overwritten


@pytest.mark.django_db
def test_resume_after_a_primary_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        first, second = (User.objects.create(username=f"oidc-{i}", kind=UserKind.CITIZEN, personal_id=f"07920300{i}")
                         for i in range(2))
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        run("--model", "accounts.user", "--start-after", str(first.pk))
    assert not crypto.is_current(raw(User, first.pk, "personal_id"), [NEW])
    assert crypto.is_current(raw(User, second.pk, "personal_id"), [NEW])
