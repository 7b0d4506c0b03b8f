"""The language a resident picks is stored on the account (notifications are written in it)."""

from __future__ import annotations

import pytest
from django.conf import settings

from congdanso.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_chosen_language_is_stored_on_the_account(client, citizen) -> None:
    client.force_login(citizen)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    client.get("/")
    assert User.objects.get(pk=citizen.pk).preferred_language == "en"
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    client.get("/")
    assert User.objects.get(pk=citizen.pk).preferred_language == "vi"


def test_a_choice_made_before_login_is_stored_at_login(client, citizen) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.force_login(citizen)
    client.get("/")
    assert User.objects.get(pk=citizen.pk).preferred_language == "en"


def test_an_unknown_language_is_ignored(client, citizen) -> None:
    client.force_login(citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    client.get("/")
    assert User.objects.get(pk=citizen.pk).preferred_language == "vi"
