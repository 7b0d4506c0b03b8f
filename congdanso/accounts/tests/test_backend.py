"""The authentication backend is Django's ModelBackend, under the name signed-in sessions carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from congdanso.accounts.backends import AccountBackend
from congdanso.accounts.models import User

pytestmark = pytest.mark.django_db


def fields(user: User) -> dict[str, object]:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_the_user_it_loads_equals_the_orms_field_for_field(django_assert_num_queries) -> None:
    user = User.objects.create(username="oidc-an", full_name="Nguyễn Văn An", personal_id="079123456789",
                               birth_date=dt.date(1990, 5, 17), identity_level=2,
                               identity_verified_at=timezone.now())
    with django_assert_num_queries(1):
        loaded = AccountBackend().get_user(user.pk)
    assert loaded is not None and loaded._state.db == "default" and not loaded._state.adding
    assert fields(loaded) == fields(User.objects.get(pk=user.pk))
    assert loaded.personal_id == "079123456789"  # decrypted, as the ORM does
    assert isinstance(loaded.birth_date, dt.date) and loaded.identity_verified_at.tzinfo is not None
    orm = User.objects.get(pk=user.pk)
    assert {name: type(value) for name, value in fields(loaded).items()} == \
        {name: type(value) for name, value in fields(orm).items()}  # True, not 1, on SQLite too
    assert not loaded.get_deferred_fields()
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_id FROM accounts_user WHERE id = %s", [user.pk])
        assert "079123456789" not in cursor.fetchone()[0]


def test_unknown_and_inactive_users_are_nobody() -> None:
    user = User.objects.create(username="oidc-binh", is_active=False)
    backend = AccountBackend()
    assert backend.get_user(user.pk) is None
    assert backend.get_user(user.pk + 1000) is None


def test_it_adds_nothing_to_model_backend() -> None:
    from django.contrib.auth.backends import ModelBackend

    assert issubclass(AccountBackend, ModelBackend)
    assert not [name for name, value in vars(AccountBackend).items() if callable(value)]


def test_loading_the_user_sends_the_orms_signals() -> None:
    from django.db.models.signals import post_init

    user = User.objects.create(username="oidc-dung")
    seen: list[int] = []

    def receiver(sender: type, instance: User, **kwargs: object) -> None:
        seen.append(instance.pk)

    post_init.connect(receiver, sender=User)
    try:
        AccountBackend().get_user(user.pk)
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == [user.pk]


def test_a_signed_in_request_sees_its_user() -> None:
    user = User.objects.create(username="oidc-chi", full_name="Chi")
    client = Client()
    client.force_login(user, backend="congdanso.accounts.backends.AccountBackend")
    assert client.get("/api/v1/me").json()["full_name"] == "Chi"
