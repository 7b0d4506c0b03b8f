"""Resident login against an independent OpenID provider: what the app sends, and what it keeps."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest

from congdanso.accounts import services
from congdanso.accounts.models import User, UserKind
from congdanso.accounts.tests.conftest import PERSONAL_ID, begin_login, callback_path, sign_in
from congdanso.accounts.tests.fake_op import AUTHORIZE, DISCOVERY, JWKS, TOKEN, USERINFO, s256
from congdanso.core.fields import blind_index
from congdanso.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_authorization_request_carries_pkce_state_nonce(client, rp):
    start = begin_login(client, "/me")

    parts = urlsplit(start.authorize_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == rp.url(AUTHORIZE)
    params = start.params
    assert params["response_type"] == "code"
    assert params["client_id"] == rp.client_id
    assert params["redirect_uri"] == "http://testserver/auth/vneid/callback"
    assert params["scope"] == "openid profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert params["ui_locales"] == "vi"
    assert "acr_values" not in params
    assert len(rp.seen(DISCOVERY)) == 1

    other = begin_login(client, "/me")
    assert other.params["state"] != params["state"]
    assert other.params["nonce"] != params["nonce"]
    assert other.params["code_challenge"] != params["code_challenge"]


def test_token_request_carries_the_matching_code_verifier(client, rp):
    start = begin_login(client)
    callback = rp.authorize(start.authorize_url)

    response = client.get(callback_path(callback))

    assert response.status_code == 302
    (token_request,) = rp.seen(TOKEN)
    form = token_request.form
    assert form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == start.params["redirect_uri"]
    assert s256(form["code_verifier"]) == start.params["code_challenge"]
    assert rp.client_authentication(token_request) == ("client_secret_basic", rp.client_id, rp.client_secret)


def test_login_creates_the_resident(client, rp):
    response = sign_in(client, rp, "/me")

    assert response.status_code == 302
    assert response["Location"] == "/me"
    user = User.objects.get()
    assert user.kind == UserKind.CITIZEN
    assert (user.oidc_issuer, user.oidc_subject) == (rp.issuer, rp.subject)
    assert user.full_name == "Trần Thị Bích Ngọc"
    assert user.identity_level == 2
    assert user.birth_date == dt.date(1990, 11, 2)
    assert user.personal_id == PERSONAL_ID
    assert user.personal_id_index == blind_index(PERSONAL_ID)
    assert services.find_resident_by_personal_id(PERSONAL_ID) == user
    assert not user.has_usable_password()
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["full_name"] == "Trần Thị Bích Ngọc"
    assert client.session["oidc_id_token"] == rp.issued_id_tokens[-1]
    assert AuditEntry.objects.filter(action="account.resident_created", object_id=str(user.pk)).exists()


def test_second_login_updates_the_same_account(client, rp):
    sign_in(client, rp)
    user = User.objects.get()
    client.logout()
    rp.id_token_claims = {**rp.id_token_claims, "name": "Trần Thị Ngọc", "acr": "1"}

    sign_in(client, rp)

    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.full_name == "Trần Thị Ngọc"
    assert user.identity_level == 1  # the provider's latest word on the level is kept
    assert user.personal_id == PERSONAL_ID


def test_same_subject_at_another_issuer_is_another_account(client, rp, citizen):
    citizen.oidc_subject = rp.subject  # same sub, but issued by https://sso.vneid.example
    citizen.save()

    sign_in(client, rp)

    assert User.objects.count() == 2
    assert client.get("/api/v1/me").json()["id"] != citizen.pk


def test_userinfo_claims_fill_in_what_the_id_token_lacks(client, rp):
    rp.id_token_claims = {"acr": "2"}
    rp.userinfo_claims = {"name": "Võ Quốc Bảo", "preferred_username": "079099006789", "acr": "1"}

    sign_in(client, rp)

    user = User.objects.get()
    assert user.full_name == "Võ Quốc Bảo"
    assert user.personal_id == "079099006789"
    assert user.identity_level == 2  # the signed ID token wins over userinfo
    assert rp.seen(USERINFO)[0].headers["authorization"].startswith("Bearer ")


def test_userinfo_for_another_subject_is_ignored(client, rp):
    rp.id_token_claims = {"name": "Người Thật"}
    rp.userinfo_claims = {"sub": "someone-else", "name": "Kẻ Mạo Danh", "preferred_username": "079099006789"}

    sign_in(client, rp)

    user = User.objects.get()
    assert user.full_name == "Người Thật"
    assert user.personal_id == ""


def test_userinfo_failure_falls_back_to_id_token_claims(client, rp):
    rp.fail[USERINFO] = 500

    response = sign_in(client, rp)

    assert response.status_code == 302
    assert User.objects.get().full_name == "Trần Thị Bích Ngọc"


def test_a_personal_id_that_is_not_twelve_digits_is_not_stored(client, rp):
    rp.id_token_claims = {"name": "Nguyễn Văn Bình", "preferred_username": "binh.nguyen"}

    sign_in(client, rp)

    user = User.objects.get()
    assert user.personal_id == ""
    assert user.personal_id_index == ""
    assert user.identity_level == 1  # no acr: level 1


def test_acr_values_are_requested_when_configured(client, rp, settings):
    settings.OIDC_ACR_VALUES = "LoA2"

    start = begin_login(client)

    assert start.params["acr_values"] == "LoA2"


def test_client_secret_post_authentication(client, rp, settings):
    settings.OIDC_TOKEN_AUTH_METHOD = "client_secret_post"

    sign_in(client, rp)

    assert rp.client_authentication(rp.seen(TOKEN)[0]) == ("client_secret_post", rp.client_id, rp.client_secret)
    assert User.objects.count() == 1


def test_english_interface_asks_the_provider_for_english(client, rp):
    start = begin_login(client, HTTP_ACCEPT_LANGUAGE="en")

    assert start.params["ui_locales"] == "en"


class TestExplicitEndpoints:
    """Endpoints from settings (OIDC_*_ENDPOINT, OIDC_JWKS_URI): discovery is never asked."""

    @pytest.fixture
    def explicit(self, rp, settings):
        settings.OIDC_AUTHORIZATION_ENDPOINT = rp.url(AUTHORIZE)
        settings.OIDC_TOKEN_ENDPOINT = rp.url(TOKEN)
        settings.OIDC_JWKS_URI = rp.url(JWKS)
        settings.OIDC_USERINFO_ENDPOINT = rp.url(USERINFO)
        rp.fail[DISCOVERY] = 500  # would break the login if anything asked
        return rp

    def test_login_works_without_discovery(self, client, explicit):
        response = sign_in(client, explicit)

        assert response.status_code == 302
        assert response["Location"] == "/me"
        assert explicit.seen(DISCOVERY) == []
        assert [len(explicit.seen(path)) for path in (TOKEN, JWKS, USERINFO)] == [1, 1, 1]
        user = User.objects.get()
        assert (user.oidc_issuer, user.full_name) == (explicit.issuer, "Trần Thị Bích Ngọc")

    def test_signature_is_still_checked(self, client, explicit):
        explicit.sign_with = "unpublished"

        response = sign_in(client, explicit)

        assert response.status_code == 400
        assert not User.objects.exists()

    def test_issuer_is_still_checked(self, client, explicit):
        explicit.id_token_overrides = {"iss": "https://sso.vneid.example/realms/other"}

        response = sign_in(client, explicit)

        assert response.status_code == 400
        assert not User.objects.exists()


class TestClaimProfiles:
    def test_vneid_profile(self, client, rp, settings):
        settings.OIDC_CLAIMS_PROFILE = "vneid"
        rp.id_token_claims = {"preferred_username": "079085001234", "family_name": "Nguyễn Văn", "given_name": "An",
                              "acr": "LoA2", "birthdate": "1985-03-14"}

        sign_in(client, rp)

        user = User.objects.get()
        assert (user.full_name, user.personal_id, user.identity_level, user.birth_date) == (
            "Nguyễn Văn An", "079085001234", 2, dt.date(1985, 3, 14))

    def test_dvcqg_profile_reads_the_portal_claims(self, client, rp, settings):
        """The national public-service portal's broker: claims come from userinfo, the level from acr."""
        settings.OIDC_CLAIMS_PROFILE = "dvcqg"
        settings.OIDC_ACR_VALUES = "LoA1"
        rp.id_token_claims = {"acr": "LoA1"}
        rp.userinfo_claims = {"TechID": "tech-42", "SoDinhDanh": "079178002345", "HoVaTen": "Phạm Thị Thu Hà",
                              "NgayThangNamSinh": "19780130", "LoaiTaiKhoan": "1", "loginIdp": "BCA"}

        start = begin_login(client)
        response = client.get(callback_path(rp.authorize(start.authorize_url)))

        assert start.params["acr_values"] == "LoA1"
        assert response.status_code == 302
        user = User.objects.get()
        assert (user.oidc_issuer, user.oidc_subject) == (rp.issuer, rp.subject)
        assert user.full_name == "Phạm Thị Thu Hà"
        assert user.personal_id == "079178002345"
        assert user.birth_date == dt.date(1978, 1, 30)
        assert user.account_type == "1"
        assert user.identity_level == 1

    def test_dvcqg_level_two(self, client, rp, settings):
        settings.OIDC_CLAIMS_PROFILE = "dvcqg"
        rp.id_token_claims = {"SoDinhDanh": "079178002345", "HoVaTen": "Phạm Thị Thu Hà",
                              "NgayThangNamSinh": "19780130", "LoaiTaiKhoan": "1", "acr": "LoA2"}

        sign_in(client, rp)

        assert User.objects.get().identity_level == 2

    def test_dvcqg_profile_ignores_vneid_only_claims(self, client, rp, settings):
        settings.OIDC_CLAIMS_PROFILE = "dvcqg"
        rp.id_token_claims = {"HoVaTen": "Phạm Thị Thu Hà", "preferred_username": "079178002345"}

        sign_in(client, rp)

        assert User.objects.get().personal_id == ""

    def test_standard_profile(self, client, rp, settings):
        settings.OIDC_CLAIMS_PROFILE = "standard"
        rp.id_token_claims = {"name": "Jane Doe", "birthdate": "1970-01-01", "preferred_username": "079085001234"}

        sign_in(client, rp)

        user = User.objects.get()
        assert (user.full_name, user.birth_date, user.personal_id) == ("Jane Doe", dt.date(1970, 1, 1), "")


def test_userinfo_setting_wins_over_discovery(client, rp, settings):
    settings.OIDC_USERINFO_ENDPOINT = rp.url("/portal/userinfo")  # discovery advertises another one

    sign_in(client, rp)

    assert len(rp.seen("/portal/userinfo")) == 1
    assert rp.seen(USERINFO) == []


def test_session_key_changes_at_login(client, rp):
    start = begin_login(client)
    before = client.session.session_key

    client.get(callback_path(rp.authorize(start.authorize_url)))

    assert client.session.session_key != before
