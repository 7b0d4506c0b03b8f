"""Fixtures of the reports tests: categories routed to a department or to the ward, photos, a submitted report."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from PIL import Image

from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, Category
from congdanso.conftest import make_staff
from congdanso.reports import services
from congdanso.reports.photos import Upload

# A point in central Ho Chi Minh City (Nhà hát Thành phố).
LAT, LON = 10.7769, 106.7031


def jpeg_bytes(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30),
               exif: bool = True) -> bytes:
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


def photo(name: str = "o-ga.jpg", **kwargs) -> Upload:
    return Upload(name, jpeg_bytes(**kwargs))


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from congdanso.reports import routing

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    routing.forget_boundaries()
    services.forget_categories()
    yield
    cache.clear()


@pytest.fixture
def category(db, department: Agency) -> Category:
    return Category.objects.create(code="gt-mat-duong", group="Giao thông", name="Hư hỏng mặt đường, ổ gà",
                                   default_agency=department, forward_minutes=5, resolve_working_days=5)


@pytest.fixture
def ward_category(db, department: Agency) -> Category:
    return Category.objects.create(code="ht-via-he", group="Hạ tầng đô thị", name="Vỉa hè hư hỏng",
                                   default_agency=department, routes_to_ward=True)


@pytest.fixture
def orphan_category(db) -> Category:
    return Category.objects.create(code="khac", group="Khác", name="Việc khác")


@pytest.fixture
def dpo(db):
    return make_staff("dpo", "Đỗ Hoàng Nam", [(Role.DATA_PROTECTION_OFFICER, None)])


def make_input(category: Category, **overrides) -> services.ReportInput:
    values = {"category": category.code, "description": "Ổ gà lớn giữa đường, xe máy dễ té.", "lat": LAT,
              "lon": LON}
    values.update(overrides)
    return services.ReportInput(**values)


@pytest.fixture
def report(citizen, category):
    return services.submit_report(make_input(category, photos=[photo()]), actor=citizen).report


def staff_client(client, user):
    """A test client signed in as staff who passed the second factor."""
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session["staff_started_at"] = time.time()
    session.save()
    return client
