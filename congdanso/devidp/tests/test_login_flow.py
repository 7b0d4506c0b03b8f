"""Resident login end to end through the development identity provider, over real HTTP.

The browser goes /auth/vneid/login → devidp chooser → /devidp/o/authorize/ → /auth/vneid/callback, and the relying
party calls the provider's token endpoint on the same live server, as it would call VNeID.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from congdanso.accounts import services
from congdanso.accounts.models import User, UserKind
from congdanso.core.fields import blind_index
from congdanso.core.models import AuditEntry
from congdanso.devidp.models import DemoPerson
from congdanso.devidp.tests.conftest import LEVEL1_PERSON, LEVEL2_PERSON

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("devidp")]


def test_login_creates_resident_keyed_on_issuer_and_subject(browser, base_url):
    assert browser.get("/api/v1/me").status_code == 401

    page = browser.login_as(LEVEL2_PERSON, next_url="/me")

    assert page.status_code == 200
    assert page.url == f"{base_url}/me"
    hops = [urlsplit(r.headers["Location"]).path for r in page.history]
    assert hops == ["/devidp/o/authorize/", "/auth/vneid/callback", "/me"]
    person = DemoPerson.objects.get(personal_id=LEVEL2_PERSON)
    user = User.objects.get(kind=UserKind.CITIZEN)
    assert (user.oidc_issuer, user.oidc_subject) == (f"{base_url}/devidp/o", str(person.user_id))
    assert user.full_name == "Nguyễn Văn An"
    assert user.identity_level == 2
    assert user.birth_date == person.birth_date
    assert user.identity_verified_at is not None
    assert not user.has_usable_password()
    assert "Nguyễn Văn An" in page.text

    me = browser.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json() == {
        "id": user.pk, "kind": "citizen", "full_name": "Nguyễn Văn An", "identity_level": 2,
        "birth_date": "1985-03-14", "language": "vi", "roles": [],
    }
    assert AuditEntry.objects.filter(action="account.resident_created", object_id=str(user.pk)).count() == 1


def test_level_one_person_gets_level_one(browser):
    browser.login_as(LEVEL1_PERSON)

    user = User.objects.get(kind=UserKind.CITIZEN)
    assert user.full_name == "Lê Hoàng Minh"
    assert user.identity_level == 1
    assert browser.get("/api/v1/me").json()["identity_level"] == 1


def test_personal_id_is_encrypted_at_rest_with_a_blind_index(browser):
    browser.login_as(LEVEL2_PERSON)

    user = User.objects.get(kind=UserKind.CITIZEN)
    assert user.personal_id == LEVEL2_PERSON
    assert user.personal_id_index == blind_index(LEVEL2_PERSON)
    with connection.cursor() as cursor:
        cursor.execute("SELECT personal_id FROM accounts_user WHERE id = %s", [user.pk])
        (stored,) = cursor.fetchone()
    assert stored and LEVEL2_PERSON not in stored
    assert services.find_resident_by_personal_id(LEVEL2_PERSON) == user
    assert services.find_resident_by_personal_id(LEVEL1_PERSON) is None


def test_second_login_reuses_the_account(make_browser):
    first = make_browser()
    first.login_as(LEVEL2_PERSON)
    user = User.objects.get(kind=UserKind.CITIZEN)

    second = make_browser()
    page = second.login_as(LEVEL2_PERSON)

    assert page.status_code == 200
    assert User.objects.filter(kind=UserKind.CITIZEN).count() == 1
    assert second.get("/api/v1/me").json()["id"] == user.pk
    assert AuditEntry.objects.filter(action="account.resident_signed_in", object_id=str(user.pk)).count() == 1

    other = make_browser()
    other.login_as(LEVEL1_PERSON)
    assert User.objects.filter(kind=UserKind.CITIZEN).count() == 2
    assert other.get("/api/v1/me").json()["id"] != user.pk


def test_devidp_remembers_the_chosen_person_until_logout(browser, base_url):
    browser.login_as(LEVEL2_PERSON)

    again = browser.open_login("/me")  # a second login in the same browser skips the chooser

    assert again.url == f"{base_url}/me"
    assert "/devidp/login" not in [urlsplit(r.headers["Location"]).path for r in again.history]


@pytest.mark.parametrize("next_url", ["/me", "/coming/reports?tab=mine"])
def test_next_is_honoured(browser, base_url, next_url):
    page = browser.login_as(LEVEL2_PERSON, next_url=next_url)

    assert page.url == f"{base_url}{next_url}"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/me", "http://evil.example/me", None])
def test_off_site_or_missing_next_goes_home(browser, base_url, next_url):
    page = browser.login_as(LEVEL2_PERSON, next_url=next_url)

    assert page.status_code == 200
    assert page.url == f"{base_url}/"
    assert all("evil.example" not in r.headers["Location"] for r in page.history)
    assert browser.get("/api/v1/me").status_code == 200


def test_authorization_request_uses_pkce_state_and_nonce(browser):
    chooser = browser.open_login("/me")

    authorize = chooser.history[0].headers["Location"]
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorize).query).items()}
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"] and params["nonce"]
    assert params["scope"].split() == ["openid", "profile"]


def test_chooser_refuses_a_post_without_csrf_token(browser):
    chooser = browser.open_login("/me")
    person = DemoPerson.objects.get(personal_id=LEVEL2_PERSON)

    refused = browser.post(chooser.url, {"person": str(person.pk), "next": "/devidp/o/authorize/"},
                           headers={"Referer": chooser.url})

    assert refused.status_code == 403
    assert not User.objects.filter(kind=UserKind.CITIZEN).exists()


def test_portal_claims_profile_works_against_devidp(browser, settings):
    """devidp also speaks the national portal's claims, so the dvcqg profile can be tried on a laptop."""
    settings.OIDC_CLAIMS_PROFILE = "dvcqg"

    browser.login_as(LEVEL1_PERSON)

    user = User.objects.get(kind=UserKind.CITIZEN)
    assert (user.full_name, user.personal_id, user.account_type) == ("Lê Hoàng Minh", LEVEL1_PERSON, "1")
    assert user.birth_date == DemoPerson.objects.get(personal_id=LEVEL1_PERSON).birth_date
    assert user.identity_level == 1
