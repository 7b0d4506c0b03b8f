"""POST /auth/logout: sign out here, then (for a resident) RP-initiated logout at the provider."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from congdanso.accounts import oidc
from congdanso.accounts.models import User
from congdanso.accounts.tests.conftest import sign_in
from congdanso.accounts.tests.fake_op import AUTHORIZE, END_SESSION, JWKS, TOKEN
from congdanso.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def split(location: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query))


def test_resident_logout_redirects_to_end_session(client, rp):
    sign_in(client, rp)
    user = User.objects.get()
    id_token = client.session["oidc_id_token"]

    response = client.post("/auth/logout")

    assert response.status_code == 302
    endpoint, params = split(response["Location"])
    assert endpoint == rp.url(END_SESSION)
    assert params["id_token_hint"] == id_token == rp.issued_id_tokens[-1]
    assert params["post_logout_redirect_uri"] == "http://testserver/"
    assert params["state"]
    assert client.get("/api/v1/me").status_code == 401
    assert "oidc_id_token" not in client.session
    assert AuditEntry.objects.filter(action="account.signed_out", object_id=str(user.pk)).count() == 1


def test_without_end_session_endpoint_logout_goes_home(client, rp):
    rp.end_session = False
    sign_in(client, rp)

    response = client.post("/auth/logout")

    assert response.status_code == 302
    assert response["Location"] == "/da-dang-xuat"  # the clear "signed out" page
    assert client.get("/api/v1/me").status_code == 401


def test_explicit_end_session_endpoint(client, rp, settings):
    rp.end_session = False  # not in discovery; only in settings
    settings.OIDC_AUTHORIZATION_ENDPOINT = rp.url(AUTHORIZE)
    settings.OIDC_TOKEN_ENDPOINT = rp.url(TOKEN)
    settings.OIDC_JWKS_URI = rp.url(JWKS)
    settings.OIDC_END_SESSION_ENDPOINT = rp.url(END_SESSION)
    sign_in(client, rp)

    response = client.post("/auth/logout")

    endpoint, params = split(response["Location"])
    assert endpoint == rp.url(END_SESSION)
    assert params["id_token_hint"] == rp.issued_id_tokens[-1]


def test_provider_down_still_signs_out_here(client, rp):
    sign_in(client, rp)
    oidc.forget_clients()  # a fresh process: discovery must be fetched again, and the provider is down
    rp.stop()

    response = client.post("/auth/logout")

    assert response.status_code == 302
    assert response["Location"] == "/da-dang-xuat"  # the clear "signed out" page
    assert client.get("/api/v1/me").status_code == 401


def test_logout_needs_post(client, rp):
    sign_in(client, rp)

    assert client.get("/auth/logout").status_code == 405
    assert client.get("/api/v1/me").status_code == 200


def test_logout_checks_csrf(rp):
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, rp)

    assert browser.post("/auth/logout").status_code == 403
    assert browser.get("/api/v1/me").status_code == 200


def test_anonymous_logout_goes_home(client, rp):
    response = client.post("/auth/logout")

    assert response["Location"] == "/da-dang-xuat"
    assert rp.seen(END_SESSION) == []
    assert not AuditEntry.objects.filter(action="account.signed_out").exists()


def test_user_without_id_token_is_not_sent_to_the_provider(client, rp, citizen):
    client.force_login(citizen)

    response = client.post("/auth/logout")

    assert response["Location"] == "/da-dang-xuat"
    assert client.get("/api/v1/me").status_code == 401


def test_end_session_setting_wins_over_discovery(client, rp, settings):
    settings.OIDC_END_SESSION_ENDPOINT = rp.url("/portal/logout")  # discovery advertises another one
    sign_in(client, rp)

    response = client.post("/auth/logout")

    assert split(response["Location"])[0] == rp.url("/portal/logout")


def test_back_from_the_provider_the_home_page_forwards_once_to_a_clean_signed_out_page(client, rp):
    sign_in(client, rp)
    client.post("/auth/logout")
    back = client.get("/?state=abc123")  # the provider's redirect carries its state
    assert back.status_code == 302 and back["Location"] == "/da-dang-xuat"
    page = client.get(back["Location"]).content.decode()
    assert "Bạn đã đăng xuất" in page and "state" not in page
    assert client.get("/").status_code == 200  # only once
