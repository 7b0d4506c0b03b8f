"""Fixtures for the resident login tests: an independent fake OpenID provider and the app configured to use it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts import oidc
from congdanso.accounts.models import User
from congdanso.accounts.tests.fake_op import FakeOP
from congdanso.testing.factories import STAFF_PASSWORD

PERSONAL_ID = "079190004567"


@pytest.fixture
def op() -> Iterator[FakeOP]:
    provider = FakeOP(id_token_claims={
        "name": "Trần Thị Bích Ngọc", "preferred_username": PERSONAL_ID, "birthdate": "1990-11-02", "acr": "2",
    })
    yield provider
    provider.stop()


@pytest.fixture
def rp(settings, op: FakeOP) -> Iterator[FakeOP]:
    """The app as a relying party of ``op``, through discovery; devidp off so it cannot stand in."""
    settings.OIDC_ISSUER = op.issuer
    settings.OIDC_CLIENT_ID = op.client_id
    settings.OIDC_CLIENT_SECRET = op.client_secret
    settings.OIDC_CLAIMS_PROFILE = "vneid"
    settings.OIDC_SCOPES = "openid profile"
    settings.OIDC_TOKEN_AUTH_METHOD = "client_secret_basic"
    settings.OIDC_AUTHORIZATION_ENDPOINT = settings.OIDC_TOKEN_ENDPOINT = ""
    settings.OIDC_USERINFO_ENDPOINT = settings.OIDC_JWKS_URI = settings.OIDC_END_SESSION_ENDPOINT = ""
    settings.OIDC_ACR_VALUES = ""
    settings.OIDC_REDIRECT_URI = ""
    settings.OIDC_HTTP_TIMEOUT = 5
    settings.DEVIDP_ENABLED = False
    oidc.forget_clients()
    yield op
    oidc.forget_clients()


@dataclass
class LoginStart:
    response: Any
    authorize_url: str
    params: dict[str, str]


def begin_login(client: Client, next_url: str | None = "/me", **headers: str) -> LoginStart:
    """GET /auth/vneid/login and read the authorization request the app sends the browser to."""
    query = {"next": next_url} if next_url is not None else {}
    response = client.get("/auth/vneid/login", query, **headers)
    assert response.status_code == 302, response.content.decode()[:2000]
    location = response["Location"]
    return LoginStart(response, location, dict(parse_qsl(urlsplit(location).query)))


def callback_path(callback_url: str) -> str:
    parts = urlsplit(callback_url)
    assert parts.path == "/auth/vneid/callback", callback_url
    return f"{parts.path}?{parts.query}"


def sign_in(client: Client, op: FakeOP, next_url: str | None = "/me", **headers: str) -> Any:
    """The whole round trip: login → provider's authorize endpoint → callback. Returns the callback response."""
    start = begin_login(client, next_url, **headers)
    return client.get(callback_path(op.authorize(start.authorize_url)), **headers)


def snapshot_users() -> list[dict[str, Any]]:
    return list(User.objects.order_by("pk").values())


# --- staff sign-in --------------------------------------------------------------------------------------------


@pytest.fixture
def no_otp_throttle(settings) -> None:
    """django-otp makes a device wait 2^(n-1) s after n wrong codes; tests that type a right code straight after a
    wrong one turn that off (the throttle has its own test)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def totp_at(key: bytes, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``key``, now or ``steps_ahead`` 30-second steps later.

    django-otp refuses a code whose step was already used, so a second sign-in within the same 30 s uses the next
    step's code (accepted: the device tolerates one step of clock drift).
    """
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def wrong_code(key: bytes) -> str:
    valid = {totp_at(key, steps) for steps in (-2, -1, 0, 1, 2)}
    return next(code for code in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if code not in valid)


def password_step(client: Client, username: str, password: str = STAFF_PASSWORD, next_url: str | None = None,
                  **headers: str) -> Any:
    path = "/auth/staff/login" + (f"?{urlencode({'next': next_url})}" if next_url else "")
    return client.post(path, {"username": username, "password": password}, **headers)


def staff_sign_in(client: Client, user: User, next_url: str | None = None) -> Any:
    """Password, then enrol a TOTP device (first time) or type the code; returns the final redirect."""
    response = password_step(client, user.username, next_url=next_url)
    assert response.status_code == 302, response.content.decode()[:2000]
    if response["Location"] == "/auth/staff/otp/enrol":
        client.get("/auth/staff/otp/enrol")
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        return client.post("/auth/staff/otp/enrol", {"code": totp_at(device.bin_key)})
    assert response["Location"] == "/auth/staff/otp"
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return client.post("/auth/staff/otp", {"code": totp_at(device.bin_key, unused_steps_ahead(device))})


def unused_steps_ahead(device: TOTPDevice) -> int:
    """How far ahead the next code the device will still accept is (0 unless this step's code was used)."""
    return max(0, device.last_t + 1 - current_step())


def current_step() -> int:
    return int(time.time()) // 30
