"""Shared fixtures: named personas used across the apps' tests (DESIGN.md, convention 8).

The objects are built by ``congdanso.testing.factories``; import helpers from there, fixtures come from here.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from congdanso.accounts.models import User
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, Unit
from congdanso.core.memo import forget_all
from congdanso.testing.factories import (
    STAFF_PASSWORD,
    make_agency,
    make_citizen,
    make_staff,
    make_unit,
    make_ward_committee,
    totp_code,
)

__all__ = ["STAFF_PASSWORD", "make_staff", "totp_code"]  # imported from here by tests written before factories


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Process-local memos (core.memo) start empty in every test: a test's rolled-back rows send no signal."""
    forget_all()


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language: a request in English (LocaleMiddleware) leaves English active in
    its thread, and a later test on the same worker would otherwise read English messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def ward(db) -> Unit:
    return make_unit("26734", "Phường Sài Gòn")


@pytest.fixture
def other_ward(db) -> Unit:
    return make_unit("26740", "Phường Tân Định")


@pytest.fixture
def department(db) -> Agency:
    return make_agency("SXD", "Sở Xây dựng")


@pytest.fixture
def ward_committee(db, ward: Unit) -> Agency:
    return make_ward_committee(ward)


@pytest.fixture
def citizen(db) -> User:
    """Chị Lan: a resident with a level-2 VNeID account."""
    return make_citizen()


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests (subprocess workers, crashes) first: in a parallel run they then overlap with the quick
    ones instead of keeping one worker busy alone at the end. The order within a file is kept."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
