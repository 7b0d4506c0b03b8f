"""Staff sign-in: password, then a TOTP code (enrolled with a QR code the first time)."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts.models import User, UserKind
from congdanso.accounts.tests.conftest import (
    current_step,
    password_step,
    staff_sign_in,
    totp_at,
    unused_steps_ahead,
    wrong_code,
)
from congdanso.core.models import AuditEntry
from congdanso.testing.factories import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def secret_on(page) -> bytes:
    match = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode())
    assert match, "the enrolment page shows the secret"
    secret = match.group(1)
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def signed_in_staff(client) -> int | None:
    me = client.get("/api/v1/me")
    return me.json()["id"] if me.status_code == 200 else None


@pytest.mark.usefixtures("no_otp_throttle")
def test_first_sign_in_enrols_a_totp_device(client, officer):
    response = password_step(client, "hung.sxd")
    assert response.status_code == 302
    assert response["Location"] == "/auth/staff/otp/enrol"
    assert signed_in_staff(client) is None  # the password alone signs nobody in
    assert client.get("/backoffice/").status_code == 302

    page = client.get("/auth/staff/otp/enrol")

    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "<path" in body  # the QR code, inline
    key = secret_on(page)
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed
    assert key == device.bin_key  # the secret shown is the device's
    assert "otpauth://totp/" in device.config_url
    assert secret_on(client.get("/auth/staff/otp/enrol")) == key  # reloading keeps the same secret

    refused = client.post("/auth/staff/otp/enrol", {"code": wrong_code(key)})
    assert refused.status_code == 200
    assert "Mã xác thực không đúng" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert signed_in_staff(client) is None

    malformed = client.post("/auth/staff/otp/enrol", {"code": "12ab56"})
    assert malformed.status_code == 200
    assert "Mã gồm 6 chữ số." in malformed.content.decode()

    done = client.post("/auth/staff/otp/enrol", {"code": totp_at(key)})  # as the authenticator app shows it

    assert done.status_code == 302
    assert done["Location"] == "/backoffice/"
    device.refresh_from_db()
    assert device.confirmed
    assert signed_in_staff(client) == officer.pk
    assert client.get("/backoffice/").status_code == 200
    actions = list(AuditEntry.objects.filter(object_id=str(officer.pk)).values_list("action", flat=True))
    assert "account.staff_otp_enrolled" in actions
    assert "account.staff_signed_in" in actions
    assert "account.staff_otp_failed" in actions


@pytest.mark.usefixtures("no_otp_throttle")
def test_next_sign_in_asks_for_the_code(client, officer):
    staff_sign_in(client, officer)
    client.post("/auth/staff/logout")
    assert signed_in_staff(client) is None

    response = password_step(client, "hung.sxd")

    assert response["Location"] == "/auth/staff/otp"
    assert client.get("/auth/staff/otp/enrol")["Location"] == "/auth/staff/otp"  # no second enrolment
    page = client.get("/auth/staff/otp")
    assert page.status_code == 200
    assert "Trần Văn Hùng" in page.content.decode()
    device = TOTPDevice.objects.get(user=officer)

    refused = client.post("/auth/staff/otp", {"code": wrong_code(device.bin_key)})
    assert refused.status_code == 200
    assert "Mã xác thực không đúng hoặc đã hết hạn" in refused.content.decode()
    assert signed_in_staff(client) is None

    done = client.post("/auth/staff/otp", {"code": totp_at(device.bin_key, unused_steps_ahead(device))})

    assert done.status_code == 302
    assert done["Location"] == "/backoffice/"
    assert signed_in_staff(client) == officer.pk
    assert TOTPDevice.objects.filter(user=officer).count() == 1
    assert AuditEntry.objects.filter(action="account.staff_otp_failed", object_id=str(officer.pk)).count() == 1
    assert AuditEntry.objects.filter(action="account.staff_signed_in", object_id=str(officer.pk)).count() == 2


@pytest.mark.usefixtures("no_otp_throttle")
def test_a_used_code_cannot_be_replayed(client, officer):
    staff_sign_in(client, officer)
    device = TOTPDevice.objects.get(user=officer)
    used_step_code = totp_at(device.bin_key, device.last_t - current_step())
    client.post("/auth/staff/logout")

    password_step(client, "hung.sxd")
    replay = client.post("/auth/staff/otp", {"code": used_step_code})

    assert replay.status_code == 200
    assert "Mã xác thực không đúng hoặc đã hết hạn" in replay.content.decode()
    assert signed_in_staff(client) is None


def test_wrong_codes_are_throttled(client, officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    staff_sign_in(client, officer)
    client.post("/auth/staff/logout")
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    password_step(client, "hung.sxd")
    device = TOTPDevice.objects.get(user=officer)
    client.post("/auth/staff/otp", {"code": wrong_code(device.bin_key)})

    right_but_too_soon = client.post("/auth/staff/otp",
                                     {"code": totp_at(device.bin_key, unused_steps_ahead(device))})

    assert right_but_too_soon.status_code == 200
    assert "Nhập sai quá nhiều lần" in right_but_too_soon.content.decode()
    assert signed_in_staff(client) is None


def test_wrong_enrolment_codes_are_throttled(client, officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    password_step(client, "hung.sxd")
    key = secret_on(client.get("/auth/staff/otp/enrol"))
    wrong = client.post("/auth/staff/otp/enrol", {"code": wrong_code(key)}).content.decode()
    assert "Kiểm tra giờ trên điện thoại" in wrong and "Nhập sai quá nhiều lần" not in wrong

    right_but_too_soon = client.post("/auth/staff/otp/enrol", {"code": totp_at(key)})

    assert right_but_too_soon.status_code == 200
    assert "Nhập sai quá nhiều lần" in right_but_too_soon.content.decode()
    assert not TOTPDevice.objects.get(user=officer).confirmed


def test_wrong_password(client, officer):
    response = password_step(client, "hung.sxd", "not-the-password")

    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    assert "staff_pending_user" not in client.session
    assert client.get("/auth/staff/otp")["Location"] == "/auth/staff/login"
    entry = AuditEntry.objects.get(action="account.staff_password_failed")
    assert entry.data == {"username": "hung.sxd"}
    assert entry.ip_address == "127.0.0.1"


def test_unknown_user_gets_the_same_answer(client, db):
    response = password_step(client, "nobody.here", STAFF_PASSWORD)

    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()


@pytest.mark.parametrize("kind", [UserKind.CITIZEN, UserKind.DEVIDP])
def test_non_staff_cannot_use_staff_login(client, db, kind):
    User.objects.create_user(username="lan.resident", password=STAFF_PASSWORD, kind=kind, full_name="Nguyễn Thị Lan")

    response = password_step(client, "lan.resident", STAFF_PASSWORD)

    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    assert "staff_pending_user" not in client.session
    assert client.get("/auth/staff/otp/enrol")["Location"] == "/auth/staff/login"
    assert not TOTPDevice.objects.exists()
    assert AuditEntry.objects.filter(action="account.staff_password_failed").count() == 1


def test_inactive_staff_cannot_sign_in(client, officer):
    officer.is_active = False
    officer.save()

    response = password_step(client, "hung.sxd")

    assert response.status_code == 200
    assert "staff_pending_user" not in client.session


def test_otp_pages_need_the_password_step_first(client, officer):
    assert client.get("/auth/staff/otp")["Location"] == "/auth/staff/login"
    assert client.get("/auth/staff/otp/enrol")["Location"] == "/auth/staff/login"
    assert client.post("/auth/staff/otp", {"code": "123456"})["Location"] == "/auth/staff/login"


@pytest.mark.usefixtures("no_otp_throttle")
def test_next_is_honoured_and_off_site_next_refused(client, officer):
    assert staff_sign_in(client, officer, next_url="/backoffice/?tab=queue")["Location"] == "/backoffice/?tab=queue"
    client.post("/auth/staff/logout")

    assert staff_sign_in(client, officer, next_url="https://evil.example/")["Location"] == "/backoffice/"


@pytest.mark.usefixtures("no_otp_throttle")
def test_staff_logout(client, officer):
    staff_sign_in(client, officer)

    response = client.post("/auth/staff/logout")

    assert response["Location"] == "/auth/staff/login"
    assert signed_in_staff(client) is None
    assert client.get("/backoffice/").status_code == 302
    assert AuditEntry.objects.filter(action="account.staff_signed_out", object_id=str(officer.pk)).exists()


def test_login_page_renders(client, db):
    page = client.get("/auth/staff/login")

    assert page.status_code == 200
    body = page.content.decode()
    assert 'autocomplete="current-password"' in body
    assert "csrfmiddlewaretoken" in body


@pytest.mark.django_db
def test_password_step_expires_after_five_minutes(client, officer):
    from congdanso.accounts import views_staff

    response = client.post("/auth/staff/login", {"username": officer.username, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    session = client.session
    session[views_staff.PENDING_AT_KEY] -= views_staff.PENDING_SECONDS + 1
    session.save()
    response = client.get("/auth/staff/otp/enrol")
    assert response.status_code == 302 and response["Location"] == "/auth/staff/login"
