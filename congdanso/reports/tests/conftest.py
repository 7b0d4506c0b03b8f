"""Fixtures of the reports tests: categories routed to a department or to the ward, a submitted report.

Helpers (photos, report input, a staff client) live in ``congdanso.testing.factories``.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, Category
from congdanso.reports import services
from congdanso.testing.factories import (
    LAT,
    LON,
    jpeg_bytes,
    make_category,
    make_input,
    make_staff,
    photo,
    png_bytes,
    staff_client,
)

# Imported from here by tests written before the factories module.
__all__ = ["LAT", "LON", "jpeg_bytes", "make_input", "photo", "png_bytes", "staff_client"]


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def category(db, department: Agency) -> Category:
    return make_category("gt-mat-duong", "Hư hỏng mặt đường, ổ gà", default_agency=department, forward_minutes=5,
                         resolve_working_days=5)


@pytest.fixture
def ward_category(db, department: Agency) -> Category:
    return make_category("ht-via-he", "Vỉa hè hư hỏng", group="Hạ tầng đô thị", default_agency=department,
                         routes_to_ward=True)


@pytest.fixture
def orphan_category(db) -> Category:
    return make_category("khac", "Việc khác", group="Khác")


@pytest.fixture
def dpo(db):
    return make_staff("dpo", "Đỗ Hoàng Nam", [(Role.DATA_PROTECTION_OFFICER, None)])


@pytest.fixture
def report(citizen, category):
    return services.submit_report(make_input(category, photos=[photo()]), actor=citizen).report
