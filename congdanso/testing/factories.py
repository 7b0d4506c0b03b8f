"""Factories and helpers shared by every app's tests (DESIGN.md, convention 8).

Plain functions that build objects or drive the app the way a test needs; the pytest fixtures that call them (the
named personas, a category, a submitted report…) stay in the conftest files. Import from here rather than from
another app's conftest.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from congdanso.accounts.models import IdentityLevel, StaffRole, User, UserKind
from congdanso.agencies.models import Agency, AgencyKind, Category, Unit, UnitKind
from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, OutboxStatus
from congdanso.notifications.channels import webpush
from congdanso.notifications.models import Delivery, DeliveryStatus, Preference
from congdanso.reports import services as report_services
from congdanso.reports.photos import Upload

T = TypeVar("T")

STAFF_PASSWORD = "Mat-khau-thu-nghiem-2026"

# A point in central Ho Chi Minh City (Nhà hát Thành phố).
LAT, LON = 10.7769, 106.7031


# --- people and places ----------------------------------------------------------------------------------------


def make_unit(code: str, name: str, kind: str = UnitKind.WARD) -> Unit:
    return Unit.objects.create(code=code, kind=kind, name=name)


def make_agency(code: str, name: str, kind: str = AgencyKind.DEPARTMENT, unit: Unit | None = None) -> Agency:
    return Agency.objects.create(code=code, name=name, kind=kind, unit=unit)


def make_ward_committee(ward: Unit) -> Agency:
    return make_agency(f"UBND-{ward.code}", f"UBND {ward.name}", AgencyKind.WARD_COMMITTEE, unit=ward)


def make_citizen(username: str = "oidc-lan", full_name: str = "Nguyễn Thị Lan", subject: str = "lan-sub",
                 level: int = IdentityLevel.LEVEL2, **fields: Any) -> User:
    """A resident signed in through OpenID Connect (no usable password)."""
    user = User(username=username, kind=UserKind.CITIZEN, full_name=full_name,
                oidc_issuer="https://sso.vneid.example", oidc_subject=subject, identity_level=level, **fields)
    user.set_unusable_password()
    user.save()
    return user


def make_staff(username: str, full_name: str, roles: list[tuple[str, Agency | None]]) -> User:
    """A staff account with ``STAFF_PASSWORD`` and the given (role, agency) pairs."""
    user = User.objects.create_user(username=username, password=STAFF_PASSWORD, kind=UserKind.STAFF,
                                    full_name=full_name)
    for role, agency in roles:
        StaffRole.objects.create(user=user, role=role, agency=agency)
    return user


def totp_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def staff_client(client: Client, user: User) -> Client:
    """``client`` signed in as ``user`` with the second factor passed (a confirmed TOTP device in the session)."""
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session["staff_started_at"] = time.time()
    session.save()
    return client


def verified_contact(user: User, *, email: str = "", phone: str = "") -> Preference:
    """``user``'s notification e-mail address and/or phone number, already proved by a one-time code (the flow
    itself is tested in notifications/tests/test_verification.py)."""
    from congdanso.notifications.verification import normalise_address

    pref, _created = Preference.objects.get_or_create(user=user)
    now = timezone.now()
    if email:
        pref.email, pref.email_verified_at = normalise_address("email", email), now
    if phone:
        pref.phone, pref.phone_verified_at = normalise_address("sms", phone), now
    pref.save()
    return pref


# --- reports --------------------------------------------------------------------------------------------------


def make_category(code: str, name: str, group: str = "Giao thông", default_agency: Agency | None = None,
                  **fields: Any) -> Category:
    return Category.objects.create(code=code, group=group, name=name, default_agency=default_agency, **fields)


def jpeg_bytes(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30),
               exif: bool = True) -> bytes:
    """A JPEG photo; with ``exif`` it carries a camera make/model and GPS position that must never be served."""
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "PhoneMaker"  # Make
        info[0x0110] = "SecretPhone 9"  # Model
        info[0x8825] = {1: "N", 2: (10.0, 46.0, 36.0), 3: "E", 4: (106.0, 42.0, 11.0)}  # GPS IFD
        image.save(out, format="JPEG", exif=info)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png_bytes(width: int = 40, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 128)).save(out, format="PNG")
    return out.getvalue()


def photo(name: str = "o-ga.jpg", **kwargs: Any) -> Upload:
    """A report photo upload of a JPEG from ``jpeg_bytes(**kwargs)``."""
    return Upload(name, jpeg_bytes(**kwargs))


def make_input(category: Category, **overrides: Any) -> report_services.ReportInput:
    """A valid ``ReportInput`` for ``category`` at ``LAT``/``LON``; ``overrides`` replace any field."""
    values: dict[str, Any] = {"category": category.code, "description": "Ổ gà lớn giữa đường, xe máy dễ té.",
                              "lat": LAT, "lon": LON}
    values.update(overrides)
    return report_services.ReportInput(**values)


# --- outbox and background work -------------------------------------------------------------------------------


def drain(max_rounds: int = 20) -> dict[str, int]:
    """Run every due outbox row in this process (what a worker does), until none is left; counts per result."""
    counts: dict[str, int] = {}
    for _ in range(max_rounds):
        rows = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list("pk", "available_at")
        due = [pk for pk, at in rows if at <= timezone.now()]
        if not due:
            break
        for pk in due:
            result = outbox.run_message(pk, "test-worker")
            counts[result] = counts.get(result, 0) + 1
    return counts


def make_due() -> None:
    """Fast-forward: every waiting outbox row and queued delivery becomes due now."""
    webpush.reset()  # forget Retry-After pauses too: time has "passed"
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(available_at=timezone.now())
    Delivery.objects.filter(status=DeliveryStatus.QUEUED).update(available_at=timezone.now())


def wait_for(condition: Callable[[], T], timeout: float, what: str) -> T:
    """Poll ``condition`` every 0.2 s until it returns something true (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


# --- procedure catalogue --------------------------------------------------------------------------------------

def procedure_record(code: str = "1.001193", name: str = "Đăng ký khai sinh", **overrides: Any) -> dict[str, Any]:
    """A complete national catalogue record (the import's JSON shape), with ``overrides`` on top."""
    record: dict[str, Any] = {
        "code": code, "name": name, "name_en": "Birth registration", "level": "commune",
        "decision": "Quyết định số 1872/QĐ-BTP", "field": {"code": "ho-tich", "name": "Hộ tịch",
                                                          "name_en": "Civil status registration"},
        "steps": ["Nộp hồ sơ tại Bộ phận Một cửa.", "Nhận kết quả."],
        "channels": [{"kind": "in_person", "deadline": "03 ngày làm việc", "fees": "Miễn lệ phí", "fee_amount": 0},
                     {"kind": "online", "deadline": "03 ngày làm việc", "fees": "Miễn lệ phí"}],
        "cases": [{"title": "", "documents": [{"name": "Tờ khai đăng ký khai sinh", "template": "Mẫu TK-KS",
                                               "originals": 1},
                                              {"name": "Giấy chứng sinh", "originals": 1}]}],
        "applicants": "Cha, mẹ của trẻ",
        "agencies": [{"role": "performing", "code": "UBND-26734", "name": "Ủy ban nhân dân Phường Sài Gòn",
                      "address": "45-47 Lê Duẩn, Phường Sài Gòn"}],
        "result": "Giấy khai sinh.", "legal_bases": [{"number": "60/2014/QH13", "summary": "Luật Hộ tịch",
                                                     "issued_on": "2014-11-20", "issuer": "Quốc hội"}],
        "keywords": ["khai sinh"], "online_level": "full",
        "online_url": f"https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={code}",
    }
    record.update(overrides)
    return record


def make_procedure(code: str = "1.001193", name: str = "Đăng ký khai sinh", **overrides: Any) -> Any:
    """A stored procedure, written by the import service like any record."""
    from congdanso.procedures import services as procedure_services
    from congdanso.procedures.models import Procedure
    from congdanso.procedures.records import parse_record

    procedure_services.upsert_procedure(parse_record(procedure_record(code, name, **overrides)))
    return Procedure.objects.get(code=code)


def import_bundled_procedures() -> Any:
    """The catalogue shipped with the project (73 procedures), imported as ``make run`` does."""
    from congdanso.procedures import services as procedure_services
    from congdanso.procedures.management.commands.import_procedures import BUNDLED
    from congdanso.procedures.records import read_file

    return procedure_services.import_procedures(read_file(str(BUNDLED)))
