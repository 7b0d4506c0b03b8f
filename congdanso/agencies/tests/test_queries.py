from __future__ import annotations

import pytest

from congdanso.agencies.models import Agency, AgencyKind, Category, Unit
from congdanso.agencies.queries import responsible_agency, search_units, ward_committee


def _names(text: str) -> list[str]:
    return [unit.name for unit in search_units(text)]


@pytest.mark.parametrize("text", ["tan dinh", "Tân Định", "TAN   DINH", "phuong tan dinh", "P. Tân Định", "26737"])
def test_search_finds_tan_dinh_with_or_without_diacritics(reference, text):
    assert _names(text)[0] == "Phường Tân Định"


def test_search_handles_d_with_stroke_and_special_zone(reference):
    assert _names("con dao") == ["Đặc khu Côn Đảo"]
    assert _names("đặc khu") == ["Đặc khu Côn Đảo"]


def test_search_puts_the_exact_name_first(reference):
    names = _names("sai gon")
    assert names[0] == "Phường Sài Gòn"
    assert all("Sài Gòn" in name for name in names)


def test_search_needs_every_word(reference):
    assert _names("tan dinh xyz") == []
    assert _names("") == []
    assert _names("   ") == []
    assert _names(None) == []


def test_search_limit(reference):
    assert len(search_units("phuong", limit=5)) == 5
    assert search_units("phuong", limit=None).count() == 113


def test_routes_to_ward_committee_of_the_place(reference):
    noise = Category.objects.get(code="to-karaoke")
    unit = Unit.objects.get(code="26737")
    agency = responsible_agency(noise, unit)
    assert agency.code == "UBND-26737"
    assert agency.kind == AgencyKind.WARD_COMMITTEE
    assert agency.unit == unit


def test_department_category_goes_to_default_agency_wherever_it_happens(reference):
    power_cut = Category.objects.get(code="dl-mat-dien")
    assert responsible_agency(power_cut, Unit.objects.get(code="26737")).code == "EVNHCMC"
    assert responsible_agency(power_cut, None).code == "EVNHCMC"


def test_ward_category_without_place_falls_back_to_default_agency(reference):
    encroachment = Category.objects.get(code="tt-lan-chiem")
    assert responsible_agency(encroachment, None).code == "SXD"


def test_inactive_ward_committee_falls_back_to_default_agency(reference):
    unit = Unit.objects.get(code="26737")
    Agency.objects.filter(code="UBND-26737").update(is_active=False)
    assert ward_committee(unit) is None
    assert responsible_agency(Category.objects.get(code="tt-lan-chiem"), unit).code == "SXD"


def test_nobody_responsible_when_default_agency_is_inactive(reference):
    category = Category.objects.get(code="dl-mat-dien")
    Agency.objects.filter(code="EVNHCMC").update(is_active=False)
    category.refresh_from_db()
    assert responsible_agency(category, Unit.objects.get(code="26737")) is None


def test_ward_routing_without_default_agency(db, ward, ward_committee):
    category = Category.objects.create(code="test", group="Nhóm", name="Chỉ về phường", routes_to_ward=True)
    assert responsible_agency(category, ward) == ward_committee
    assert responsible_agency(category, None) is None
