"""EncryptedTextField, exercised through accounts.User.personal_id: ciphertext at rest, clear text in Python."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from congdanso.accounts.models import User, UserKind
from congdanso.core.fields import blind_index
from congdanso.lib import crypto
from congdanso.lib.crypto import DecryptionError

PERSONAL_ID = "079203001234"


def raw_personal_id(user: User) -> str:
    table = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT personal_id FROM {table} WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def make_resident(**extra: object) -> User:
    return User.objects.create(username="oidc-binh", kind=UserKind.CITIZEN, full_name="Trần Văn Bình",
                               personal_id=PERSONAL_ID, personal_id_index=blind_index(PERSONAL_ID), **extra)


@pytest.mark.django_db
def test_column_holds_ciphertext_and_model_gives_clear_text() -> None:
    user = make_resident()
    stored = raw_personal_id(user)
    assert stored != PERSONAL_ID
    assert PERSONAL_ID not in stored
    assert crypto.decrypt(stored, settings.FIELD_ENCRYPTION_KEYS) == PERSONAL_ID

    fresh = User.objects.get(pk=user.pk)
    assert fresh.personal_id == PERSONAL_ID
    assert User.objects.filter(pk=user.pk).values_list("personal_id", flat=True).get() == PERSONAL_ID
    user.refresh_from_db()
    assert user.personal_id == PERSONAL_ID


@pytest.mark.django_db
def test_saving_again_does_not_double_encrypt() -> None:
    user = make_resident()
    user.full_name = "Trần Văn Bình (cập nhật)"
    user.save()
    user.save()
    assert User.objects.get(pk=user.pk).personal_id == PERSONAL_ID
    assert crypto.decrypt(raw_personal_id(user), settings.FIELD_ENCRYPTION_KEYS) == PERSONAL_ID


@pytest.mark.django_db
def test_queryset_update_encrypts_too() -> None:
    user = make_resident()
    User.objects.filter(pk=user.pk).update(personal_id="079203009999")
    assert "079203009999" not in raw_personal_id(user)
    assert User.objects.get(pk=user.pk).personal_id == "079203009999"


@pytest.mark.django_db
def test_empty_value_is_stored_empty() -> None:
    user = User.objects.create(username="staff-x", kind=UserKind.STAFF)
    assert raw_personal_id(user) == ""
    assert User.objects.get(pk=user.pk).personal_id == ""


@pytest.mark.django_db
def test_lookup_goes_through_the_blind_index() -> None:
    user = make_resident()
    assert User.objects.filter(personal_id_index=blind_index(" 079 203 001 234 ")).get() == user


@pytest.mark.django_db
def test_old_key_still_reads_after_rotation_and_wrong_key_fails_loudly() -> None:
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    user = make_resident()
    with override_settings(FIELD_ENCRYPTION_KEYS=["a brand-new key for 2027", *old_keys]):
        assert User.objects.get(pk=user.pk).personal_id == PERSONAL_ID
        user.save()  # written again under the newest key
        assert crypto.decrypt(raw_personal_id(user), ["a brand-new key for 2027"]) == PERSONAL_ID
    with override_settings(FIELD_ENCRYPTION_KEYS=["some unrelated key"]), pytest.raises(DecryptionError):
        User.objects.get(pk=user.pk)
