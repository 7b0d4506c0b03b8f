from __future__ import annotations

import base64
import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts.mfa import secret_base32
from congdanso.accounts.models import StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.agencies import demo
from congdanso.agencies.models import AgencyKind
from congdanso.core.errors import Conflict
from congdanso.testing.factories import totp_code


@pytest.fixture
def demo_staff(reference, fast_hasher) -> list[demo.DemoAccount]:
    return demo.ensure_demo_staff()


def _state() -> list[tuple]:
    return sorted(
        (user.username, user.password, device.key, device.confirmed)
        for user in User.objects.filter(username__startswith="demo.")
        for device in TOTPDevice.objects.filter(user=user)
    )


def test_one_demo_staff_member_per_role(demo_staff):
    roles = StaffRole.objects.filter(user__username__startswith="demo.").select_related("agency", "user")
    assert {role.role for role in roles} == set(Role.values)
    for role in roles:
        assert role.user.kind == UserKind.STAFF
        assert not role.user.is_staff and not role.user.is_superuser  # no Django admin without a second factor
        assert role.user.full_name
    officers = [role.agency for role in roles if role.role == Role.AGENCY_OFFICER]
    assert len(officers) == 2
    assert {agency.kind for agency in officers} == {AgencyKind.DEPARTMENT, AgencyKind.WARD_COMMITTEE}
    assert all(TOTPDevice.objects.filter(user=role.user, confirmed=True).count() == 1 for role in roles)


def test_demo_password_passes_the_validators(db, fast_hasher):
    for spec in demo.DEMO_STAFF:
        validate_password(demo.DEMO_PASSWORD, User(username=spec.username, full_name=spec.full_name))


@pytest.mark.parametrize("username", ["demo.sxd", "demo.saigon", "demo.thanhpho"])
def test_demo_staff_can_sign_in_with_password_and_totp(demo_staff, username):
    client = Client()
    response = client.post("/auth/staff/login", {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/auth/staff/otp"  # confirmed device: no enrolment step

    device = TOTPDevice.objects.get(user__username=username)
    response = client.post("/auth/staff/otp", {"code": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200


def test_printed_secret_is_the_device_secret(demo_staff):
    account = next(a for a in demo_staff if a.username == "demo.saigon")
    device = TOTPDevice.objects.get(user__username="demo.saigon")
    assert account.agency == "UBND Phường Sài Gòn"
    assert account.totp_secret in account.otpauth_uri
    assert account.otpauth_uri.startswith("otpauth://totp/")
    padded = account.totp_secret + "=" * (-len(account.totp_secret) % 8)
    assert base64.b32decode(padded) == device.bin_key


def test_rerun_keeps_passwords_and_secrets(demo_staff):
    before = _state()
    user = User.objects.get(username="demo.sxd")
    user.set_password("Mot-mat-khau-rieng-2026")
    user.save()
    before_changed = _state()

    again = demo.ensure_demo_staff()

    assert _state() == before_changed
    assert len(before) == len(demo.DEMO_STAFF)
    assert [a.totp_secret for a in again] == [a.totp_secret for a in demo_staff]
    assert not any(a.created for a in again)
    assert User.objects.filter(username__startswith="demo.").count() == len(demo.DEMO_STAFF)
    assert StaffRole.objects.filter(user__username__startswith="demo.").count() == len(demo.DEMO_STAFF)
    assert TOTPDevice.objects.filter(user__username__startswith="demo.").count() == len(demo.DEMO_STAFF)


def test_citizen_with_a_demo_username_is_not_turned_into_staff(reference, fast_hasher):
    User.objects.create(username="demo.dpo", kind=UserKind.CITIZEN)
    with pytest.raises(Conflict):
        demo.ensure_demo_staff()
    assert not StaffRole.objects.exists()


def test_command_prints_demo_table(reference, fast_hasher, settings):
    settings.DEVIDP_ENABLED = True
    out = io.StringIO()
    call_command("load_reference", "--demo", stdout=out)
    first = out.getvalue()
    out2 = io.StringIO()
    call_command("load_reference", "--demo", stdout=out2)
    assert "DEMO ONLY" in first
    for spec in demo.DEMO_STAFF:
        assert spec.username in first
    device = TOTPDevice.objects.get(user__username="demo.dpo")
    assert secret_base32(device) in first
    assert secret_base32(device) in out2.getvalue()
    assert demo.DEMO_PASSWORD in first


def test_command_refuses_demo_accounts_on_a_real_deployment(db, settings):
    settings.DEBUG = False
    settings.DEVIDP_ENABLED = False
    with pytest.raises(CommandError, match="DEVIDP_ENABLED"):
        call_command("load_reference", "--demo", stdout=io.StringIO())
    assert not User.objects.filter(username__startswith="demo.").exists()
