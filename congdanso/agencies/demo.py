"""Demo staff accounts for a laptop or a demonstration server — never for a real deployment.

``ensure_demo_staff()`` creates one staff member per back-office role, each with the demo password and a
confirmed TOTP device. It is idempotent: an existing account keeps its password and its TOTP secret, so an
authenticator app set up once keeps working after every restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts import mfa, services
from congdanso.accounts.models import StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.agencies.errors import ReferenceDataError
from congdanso.agencies.models import Agency
from congdanso.core import audit
from congdanso.core.errors import Conflict

# Printed next to every demo account; passes the project's password validators (checked on creation).
DEMO_PASSWORD = "CongDanSo-Demo-2026"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    full_name: str
    role: Role
    agency_code: str | None = None


# Two officers of different agencies (a department and a ward committee), as the test personas.
DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("demo.thanhpho", "Nguyễn Minh Khoa", Role.CITY_ADMIN),
    DemoStaff("demo.sxd", "Trần Quốc Việt", Role.AGENCY_OFFICER, "SXD"),
    DemoStaff("demo.saigon", "Lê Thị Ngọc Hân", Role.AGENCY_OFFICER, "UBND-26740"),
    DemoStaff("demo.sxd.admin", "Hoàng Thị Mỹ Linh", Role.AGENCY_ADMIN, "SXD"),
    DemoStaff("demo.bientap", "Đặng Thanh Hải", Role.EDITOR),
    DemoStaff("demo.canhbao", "Huỳnh Văn Phúc", Role.ALERT_OPERATOR),
    DemoStaff("demo.duyet", "Bùi Thị Kim Oanh", Role.ALERT_APPROVER),
    DemoStaff("demo.dpo", "Đỗ Hoàng Nam", Role.DATA_PROTECTION_OFFICER),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    password: str
    role: str
    agency: str
    totp_secret: str
    otpauth_uri: str
    created: bool


def _agency(code: str | None) -> Agency | None:
    if code is None:
        return None
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ReferenceDataError(f"demo staff need agency {code}: run load_reference first")
    return agency


@transaction.atomic
def ensure_demo_staff() -> list[DemoAccount]:
    """Create the missing demo staff, roles and TOTP devices; never change an existing password or secret."""
    accounts = []
    for spec in DEMO_STAFF:
        agency = _agency(spec.agency_code)
        user = User.objects.select_for_update().filter(username=spec.username).first()
        created = user is None
        if user is None:
            user = services.create_staff_member(
                username=spec.username, full_name=spec.full_name, password=DEMO_PASSWORD,
                roles=[(spec.role, agency.pk if agency else None)], actor="manage.py load_reference --demo",
            )
        elif user.kind != UserKind.STAFF:
            raise Conflict(f"user {spec.username} exists and is not a staff account", code="demo_username_taken")
        else:
            _role, granted = StaffRole.objects.get_or_create(user=user, role=spec.role, agency=agency)
            if granted:
                audit.record("account.staff_role_granted", actor="manage.py load_reference --demo", obj=user,
                             role=spec.role.value, agency=spec.agency_code or "")
        device = mfa.confirmed_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="TOTP (demo)", confirmed=True)
            audit.record("account.staff_otp_enrolled", actor="manage.py load_reference --demo", obj=user)
        accounts.append(DemoAccount(
            username=user.username, full_name=user.full_name, password=DEMO_PASSWORD,
            role=str(spec.role.label), agency=agency.name if agency else "—",
            totp_secret=mfa.secret_base32(device), otpauth_uri=mfa.provisioning_uri(device), created=created,
        ))
    return accounts


def print_demo_staff(accounts: list[DemoAccount], stdout: TextIO) -> None:
    """A table an operator can read in a terminal; every line says DEMO so nobody mistakes it for real access."""
    bar = "=" * 100
    stdout.write(f"{bar}\n")
    stdout.write("DEMO ONLY — tài khoản cán bộ thử nghiệm, KHÔNG dùng cho hệ thống thật (demo staff accounts)\n")
    stdout.write("Đăng nhập tại /auth/staff/login; mã TOTP từ ứng dụng xác thực với khóa bí mật bên dưới.\n")
    stdout.write(f"Mật khẩu chung: {DEMO_PASSWORD} (trừ khi đã đổi). Khóa TOTP giữ nguyên giữa các lần chạy.\n")
    stdout.write(f"{bar}\n")
    headers = ("username", "password", "role", "agency", "TOTP secret (base32)")
    rows = [(a.username, a.password, a.role, a.agency, a.totp_secret) for a in accounts]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    stdout.write(line(headers) + "\n")
    stdout.write(line(tuple("-" * width for width in widths)) + "\n")
    for account, row in zip(accounts, rows, strict=True):
        stdout.write(line(row) + "\n")
        stdout.write(f"    otpauth URI: {account.otpauth_uri}\n")
    stdout.write(f"{bar}\nDEMO ONLY\n{bar}\n")
