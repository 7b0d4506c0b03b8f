"""django-axes locks a username at an address out after AXES_FAILURE_LIMIT wrong passwords."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from congdanso.accounts.tests.conftest import password_step, staff_sign_in
from congdanso.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOCKED = "Đăng nhập sai quá nhiều lần"


def fail_until_locked(client, username: str, limit: int) -> list:
    return [password_step(client, username, f"wrong-password-{n}") for n in range(limit)]


def test_lockout_after_the_failure_limit(client, officer, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit >= 2

    responses = fail_until_locked(client, "hung.sxd", limit)

    assert [r.status_code for r in responses[:-1]] == [200] * (limit - 1)
    assert responses[-1].status_code == 429
    assert LOCKED in responses[-1].content.decode()
    assert AuditEntry.objects.filter(action="account.staff_password_failed").count() == limit - 1
    assert AuditEntry.objects.filter(action="account.staff_locked_out", data__username="hung.sxd").count() == 1

    with_right_password = password_step(client, "hung.sxd")

    assert with_right_password.status_code == 429
    assert LOCKED in with_right_password.content.decode()
    assert "15" in with_right_password.content.decode()  # AXES_COOLOFF_MINUTES, said in minutes
    assert "staff_pending_user" not in client.session
    assert client.get("/auth/staff/otp")["Location"] == "/auth/staff/login"


def test_lockout_is_per_username_and_address(client, officer, other_officer, settings):
    fail_until_locked(client, "hung.sxd", settings.AXES_FAILURE_LIMIT)

    other = password_step(client, "mai.ubnd")
    assert other.status_code == 302  # another account from the same address is not locked

    elsewhere = password_step(client, "hung.sxd", REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == 302  # the same account from another address is not locked


def test_lockout_page_in_english(client, officer, settings):
    fail_until_locked(client, "hung.sxd", settings.AXES_FAILURE_LIMIT)

    response = password_step(client, "hung.sxd", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 429
    assert '<html lang="en">' in response.content.decode()


def test_success_before_the_limit_resets_the_count(client, officer, settings):
    limit = settings.AXES_FAILURE_LIMIT
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    fail_until_locked(client, "hung.sxd", limit - 1)

    assert staff_sign_in(client, officer)["Location"] == "/backoffice/"
    client.post("/auth/staff/logout")

    assert not AccessAttempt.objects.filter(username="hung.sxd", failures_since_start__gt=0).exists()
    assert password_step(client, "hung.sxd", "wrong-again").status_code == 200
