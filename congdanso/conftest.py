"""Shared fixtures: named personas used across the apps' tests (DESIGN.md, convention 8)."""

from __future__ import annotations

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts.models import IdentityLevel, StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, AgencyKind, Unit, UnitKind
from congdanso.core.memo import forget_all

STAFF_PASSWORD = "Mat-khau-thu-nghiem-2026"


def make_staff(username: str, full_name: str, roles: list[tuple[str, Agency | None]]) -> User:
    user = User.objects.create_user(username=username, password=STAFF_PASSWORD, kind=UserKind.STAFF,
                                    full_name=full_name)
    for role, agency in roles:
        StaffRole.objects.create(user=user, role=role, agency=agency)
    return user


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Process-local memos (core.memo) start empty in every test: a test's rolled-back rows send no signal."""
    forget_all()


@pytest.fixture
def ward(db) -> Unit:
    return Unit.objects.create(code="26734", kind=UnitKind.WARD, name="Phường Sài Gòn")


@pytest.fixture
def other_ward(db) -> Unit:
    return Unit.objects.create(code="26740", kind=UnitKind.WARD, name="Phường Tân Định")


@pytest.fixture
def department(db) -> Agency:
    return Agency.objects.create(code="SXD", name="Sở Xây dựng", kind=AgencyKind.DEPARTMENT)


@pytest.fixture
def ward_committee(db, ward: Unit) -> Agency:
    return Agency.objects.create(code=f"UBND-{ward.code}", name=f"UBND {ward.name}",
                                 kind=AgencyKind.WARD_COMMITTEE, unit=ward)


@pytest.fixture
def citizen(db) -> User:
    """Chị Lan: a resident with a level-2 VNeID account."""
    user = User.objects.create(username="oidc-lan", kind=UserKind.CITIZEN, full_name="Nguyễn Thị Lan",
                               oidc_issuer="https://sso.vneid.example", oidc_subject="lan-sub",
                               identity_level=IdentityLevel.LEVEL2)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def officer(db, department: Agency) -> User:
    """Anh Hùng: an officer of the Department of Construction."""
    return make_staff("hung.sxd", "Trần Văn Hùng", [(Role.AGENCY_OFFICER, department)])


@pytest.fixture
def other_officer(db, ward_committee: Agency) -> User:
    """Chị Mai: an officer of a ward People's Committee."""
    return make_staff("mai.ubnd", "Lê Thị Mai", [(Role.AGENCY_OFFICER, ward_committee)])


@pytest.fixture
def agency_admin(db, department: Agency) -> User:
    return make_staff("admin.sxd", "Phạm Quốc Huy", [(Role.AGENCY_ADMIN, department)])


@pytest.fixture
def city_admin(db) -> User:
    return make_staff("admin.tp", "Võ Thanh Tâm", [(Role.CITY_ADMIN, None)])
