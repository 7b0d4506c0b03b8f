"""Resident login must fail closed: every bad answer from the provider (or a forged callback) shows the error page,
says why, and neither creates nor changes an account."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.utils import translation

from congdanso.accounts.models import User
from congdanso.accounts.tests.conftest import begin_login, callback_path, sign_in, snapshot_users
from congdanso.accounts.tests.fake_op import DISCOVERY, JWKS, TOKEN, FakeOP
from congdanso.accounts.views import REASONS
from congdanso.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def existing(rp, citizen):
    """The same person already has an account from an earlier login: a failed login must leave it alone."""
    citizen.oidc_issuer, citizen.oidc_subject = rp.issuer, rp.subject
    citizen.save()
    return citizen


def message(reason: str, language: str = "vi") -> str:
    with translation.override(language):
        return str(REASONS[reason])


def assert_error_page(response, reason: str, status: int = 400, language: str = "vi") -> None:
    body = response.content.decode()
    assert response.status_code == status, body[:2000]
    assert f'data-reason="{reason}"' in body
    assert f'<html lang="{language}">' in body
    assert message(reason, language) in body
    if language != "vi" and message(reason, language) != message(reason, "vi"):
        assert message(reason, "vi") not in body
    assert AuditEntry.objects.filter(action="account.login_failed", data__reason=reason).exists()


def assert_nobody_signed_in(client, before) -> None:
    assert snapshot_users() == before
    assert client.get("/api/v1/me").status_code == 401


# case: (knobs on the fake provider, what the audit entry's detail names as the cause)
BAD_TOKENS = {
    "bad_signature": ({"sign_with": "unpublished"}, "BadSignatureError"),
    "unknown_key": ({"sign_with": "unknown_kid"}, "InvalidKeyIdError"),
    "expired": ({"id_token_overrides": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 5400}},
                "ExpiredTokenError"),
    "wrong_audience": ({"id_token_overrides": {"aud": "someone-else"}}, "'aud'"),
    "wrong_issuer": ({"id_token_overrides": {"iss": "https://sso.vneid.example/realms/evil"}}, "'iss'"),
    "wrong_nonce": ({"id_token_overrides": {"nonce": "not-the-nonce-we-sent"}}, "'nonce'"),
    "no_nonce": ({"id_token_overrides": {"nonce": None}}, "Missing claim: 'nonce'"),
    "no_subject": ({"id_token_overrides": {"sub": None}}, "Missing claim: 'sub'"),
    "no_id_token": ({"issue_id_token": False}, "no ID token"),
}


def misconfigure(op: FakeOP, case: str) -> str:
    knobs, cause = BAD_TOKENS[case]
    for knob, value in knobs.items():
        setattr(op, knob, value)
    return cause



@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_bad_id_token_is_refused(client, rp, existing, case):
    cause = misconfigure(rp, case)
    before = snapshot_users()

    response = sign_in(client, rp)

    assert_error_page(response, "invalid_token")
    assert cause in AuditEntry.objects.get(action="account.login_failed").data["detail"]
    assert_nobody_signed_in(client, before)


@pytest.mark.parametrize("case", ["bad_signature", "expired", "no_id_token"])
def test_bad_id_token_creates_no_user(client, rp, case):
    misconfigure(rp, case)

    response = sign_in(client, rp)

    assert_error_page(response, "invalid_token")
    assert not User.objects.exists()


@pytest.mark.parametrize("how", ["accept_language", "cookie"])
def test_error_page_in_english(client, rp, settings, how):
    rp.sign_with = "unpublished"
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        headers = {}
    else:
        headers = {"HTTP_ACCEPT_LANGUAGE": "en"}

    response = sign_in(client, rp, **headers)

    assert_error_page(response, "invalid_token", language="en")
    assert not User.objects.exists()


def test_state_mismatch(client, rp, existing):
    before = snapshot_users()
    start = begin_login(client)
    callback = rp.authorize(start.authorize_url)

    response = client.get(callback_path(callback).replace(start.params["state"], "forged-state-value"))

    assert_error_page(response, "state_mismatch")
    assert rp.seen(TOKEN) == []  # the code was never even redeemed
    assert_nobody_signed_in(client, before)


def test_callback_in_another_browser_is_refused(client, rp):
    """Login CSRF: a callback URL made for one browser session does nothing in another."""
    start = begin_login(client)
    callback = rp.authorize(start.authorize_url)

    victim = Client()
    response = victim.get(callback_path(callback))

    assert_error_page(response, "state_mismatch")
    assert not User.objects.exists()


def test_callback_without_state(client, rp):
    start = begin_login(client)
    callback = rp.authorize(start.authorize_url)
    code = callback_path(callback).split("code=")[1].split("&")[0]

    response = client.get(f"/auth/vneid/callback?code={code}")

    assert_error_page(response, "state_mismatch")
    assert not User.objects.exists()


def test_replaying_the_callback_fails(client, rp):
    start = begin_login(client)
    callback = callback_path(rp.authorize(start.authorize_url))
    assert client.get(callback).status_code == 302
    user = User.objects.get()
    before = snapshot_users()

    replay = client.get(callback)

    assert_error_page(replay, "state_mismatch")
    assert snapshot_users() == before
    assert client.get("/api/v1/me").json()["id"] == user.pk  # the first login stands


def test_a_used_code_is_refused_even_with_a_fresh_state(client, rp):
    """The provider redeems a code once; the app turns its refusal into the error page."""
    first = begin_login(client)
    callback = callback_path(rp.authorize(first.authorize_url))
    assert client.get(callback).status_code == 302
    client.logout()
    second = begin_login(client)
    before = snapshot_users()

    response = client.get(callback.replace(first.params["state"], second.params["state"]))

    assert_error_page(response, "invalid_token")
    assert snapshot_users() == before
    assert client.get("/api/v1/me").status_code == 401


def test_a_code_for_another_pkce_challenge_is_refused(client, rp):
    """A code obtained for someone else's authorization request (other code_challenge) cannot be redeemed here."""
    mine = begin_login(client)
    stolen = rp.issue_code(redirect_uri=mine.params["redirect_uri"], nonce=mine.params["nonce"],
                           code_challenge="A" * 43, code_challenge_method="S256")

    response = client.get(f"/auth/vneid/callback?code={stolen}&state={mine.params['state']}")

    assert_error_page(response, "invalid_token")
    assert not User.objects.exists()


def test_provider_refusal_is_shown_as_denied(client, rp):
    start = begin_login(client)

    response = client.get(f"/auth/vneid/callback?error=access_denied&error_description=cancelled"
                          f"&state={start.params['state']}")

    assert_error_page(response, "denied")
    assert rp.seen(TOKEN) == []
    assert not User.objects.exists()


def test_unknown_claims_profile(client, rp, settings):
    settings.OIDC_CLAIMS_PROFILE = "no-such-profile"

    response = sign_in(client, rp)

    assert_error_page(response, "claims")
    assert not User.objects.exists()


class TestProviderDown:
    def test_port_closed_at_login(self, client, rp, existing):
        before = snapshot_users()
        rp.stop()

        response = client.get("/auth/vneid/login", {"next": "/me"})

        assert_error_page(response, "provider_unreachable", status=502)
        assert_nobody_signed_in(client, before)

    def test_discovery_error_at_login(self, client, rp):
        rp.fail[DISCOVERY] = 500

        response = client.get("/auth/vneid/login")

        assert_error_page(response, "provider_unreachable", status=502)

    def test_port_closed_at_callback(self, client, rp, existing):
        before = snapshot_users()
        start = begin_login(client)
        callback = rp.authorize(start.authorize_url)
        rp.stop()

        response = client.get(callback_path(callback))

        assert_error_page(response, "provider_unreachable", status=502)
        assert_nobody_signed_in(client, before)

    @pytest.mark.parametrize("status", [500, 502, 503])
    def test_token_endpoint_error(self, client, rp, existing, status):
        before = snapshot_users()
        rp.fail[TOKEN] = status

        response = sign_in(client, rp)

        assert_error_page(response, "provider_unreachable", status=502)
        assert_nobody_signed_in(client, before)

    def test_jwks_endpoint_error(self, client, rp, existing):
        before = snapshot_users()
        rp.fail[JWKS] = 500

        response = sign_in(client, rp)

        assert_error_page(response, "provider_unreachable", status=502)
        assert_nobody_signed_in(client, before)

    def test_english(self, client, rp):
        rp.stop()

        response = client.get("/auth/vneid/login", HTTP_ACCEPT_LANGUAGE="en")

        assert_error_page(response, "provider_unreachable", status=502, language="en")


def test_wrong_client_secret(client, rp, settings):
    settings.OIDC_CLIENT_SECRET = "not-the-secret"

    response = sign_in(client, rp)

    assert response.status_code == 400
    assert 'data-reason="invalid_token"' in response.content.decode()
    assert not User.objects.exists()


def test_not_configured(client, settings):
    settings.OIDC_ISSUER = ""
    settings.DEVIDP_ENABLED = False

    response = client.get("/auth/vneid/login")

    assert_error_page(response, "not_configured", status=503)


def test_deactivated_account_is_refused(client, rp, existing):
    """Signing an inactive user in would bounce between /me and the provider; say so instead."""
    existing.is_active = False
    existing.save()
    before = snapshot_users()

    response = sign_in(client, rp)

    assert_error_page(response, "account_disabled", status=403)
    assert AuditEntry.objects.get(action="account.login_failed").data["detail"] == f"user {existing.pk} is inactive"
    assert_nobody_signed_in(client, before)
