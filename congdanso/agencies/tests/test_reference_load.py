from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from congdanso.agencies import services
from congdanso.agencies.errors import ReferenceDataError
from congdanso.agencies.models import Agency, AgencyKind, Category, Unit, UnitKind
from congdanso.core.models import AuditEntry


def _snapshot() -> dict[str, list[tuple]]:
    return {
        "units": list(Unit.objects.order_by("code").values_list()),
        "agencies": list(Agency.objects.order_by("code").values_list()),
        "categories": list(Category.objects.order_by("code").values_list()),
    }


def test_loads_all_hcmc_units(reference):
    assert Unit.objects.count() == 168
    assert Unit.objects.filter(kind=UnitKind.WARD).count() == 113
    assert Unit.objects.filter(kind=UnitKind.COMMUNE).count() == 54
    assert list(Unit.objects.filter(kind=UnitKind.SPECIAL_ZONE).values_list("name", flat=True)) == [
        "Đặc khu Côn Đảo"
    ]
    assert set(Unit.objects.values_list("province_code", flat=True)) == {"79"}
    tan_dinh = Unit.objects.get(code="26737")
    assert tan_dinh.name == "Phường Tân Định"
    assert tan_dinh.name_folded == "phuong tan dinh"
    assert reference["units"] == {"created": 168, "updated": 0, "unchanged": 0}


def test_every_unit_has_one_ward_committee(reference):
    committees = Agency.objects.filter(kind=AgencyKind.WARD_COMMITTEE)
    assert committees.count() == 168
    assert committees.values("unit").distinct().count() == 168
    committee = Agency.objects.get(code="UBND-26740")
    assert committee.name == "UBND Phường Sài Gòn"
    assert committee.unit.code == "26740"
    assert not Agency.objects.filter(kind=AgencyKind.WARD_COMMITTEE, unit__isnull=True).exists()


def test_departments_are_city_level(reference):
    departments = Agency.objects.exclude(kind=AgencyKind.WARD_COMMITTEE)
    assert departments.count() >= 15
    assert not departments.filter(unit__isnull=False).exists()
    names = set(departments.values_list("name", flat=True))
    for expected in ("Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Y tế", "Công an Thành phố Hồ Chí Minh",
                     "Tổng công ty Cấp nước Sài Gòn", "Tổng công ty Điện lực Thành phố Hồ Chí Minh"):
        assert expected in names
    assert Agency.objects.get(code="SXD").kind == AgencyKind.DEPARTMENT


def test_every_category_can_be_routed(reference):
    categories = list(Category.objects.select_related("default_agency"))
    assert 25 <= len(categories) <= 40
    for category in categories:
        assert category.default_agency is not None or category.routes_to_ward, category.code
        if category.default_agency is not None:
            assert category.default_agency.kind != AgencyKind.WARD_COMMITTEE, category.code
        assert category.forward_minutes >= 1
        assert 1 <= category.resolve_working_days <= 5
    by_code = {c.code: c for c in categories}
    assert by_code["tt-lan-chiem"].routes_to_ward
    assert by_code["to-karaoke"].routes_to_ward
    assert by_code["mt-rac-sinh-hoat"].routes_to_ward
    assert not by_code["dl-mat-dien"].routes_to_ward
    assert by_code["dl-mat-dien"].default_agency.code == "EVNHCMC"
    assert by_code["cx-cay-do"].resolve_working_days < 5
    groups = {c.group for c in categories}
    assert {"Giao thông", "Cấp thoát nước", "Cây xanh", "Chiếu sáng", "Điện lực", "Viễn thông", "Xe buýt",
            "Tài nguyên môi trường", "Trật tự đô thị", "Hạ tầng đô thị", "Ngập nước", "Tiếng ồn",
            "Hành chính công"} <= groups


def test_second_run_changes_nothing(reference):
    before = _snapshot()
    audits = AuditEntry.objects.filter(action="agencies.reference_loaded").count()
    assert audits == 1

    again = services.load_reference()

    assert _snapshot() == before
    for counts in again.values():
        assert counts["created"] == 0
        assert counts["updated"] == 0
    assert again["units"]["unchanged"] == 168
    assert AuditEntry.objects.filter(action="agencies.reference_loaded").count() == audits


def test_reload_restores_changed_names(reference):
    Unit.objects.filter(code="26737").update(name="Phường Tân Định cũ")
    Agency.objects.filter(code="SXD").update(name="Sở cũ")

    result = services.load_reference()

    assert result["units"] == {"created": 0, "updated": 1, "unchanged": 167}
    assert result["departments"]["updated"] == 1
    assert Unit.objects.get(code="26737").name == "Phường Tân Định"
    assert Unit.objects.get(code="26737").name_folded == "phuong tan dinh"
    assert Agency.objects.get(code="SXD").name == "Sở Xây dựng"
    assert Unit.objects.count() == 168


def test_reload_keeps_administrator_routing_unless_reset(reference):
    category = Category.objects.get(code="ng-ngap-duong")
    category.default_agency = Agency.objects.get(code="UDC")
    category.resolve_working_days = 1
    category.routes_to_ward = True
    category.save()

    kept = services.load_reference()
    category.refresh_from_db()
    assert kept["categories"]["updated"] == 0
    assert (category.default_agency.code, category.resolve_working_days, category.routes_to_ward) == (
        "UDC", 1, True)

    reset = services.load_reference(reset_categories=True)
    category.refresh_from_db()
    assert reset["categories"]["updated"] == 1
    assert (category.default_agency.code, category.resolve_working_days, category.routes_to_ward) == (
        "SXD", 2, False)


def test_reload_keeps_a_deactivated_agency_deactivated(reference):
    Agency.objects.filter(code="SDL").update(is_active=False)
    services.load_reference()
    assert Agency.objects.get(code="SDL").is_active is False


def test_command_prints_counts(db):
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    call_command("load_reference", stdout=out)
    text = out.getvalue()
    assert "Phường/xã: 168 mới" in text
    assert "Phường/xã: 0 mới, 0 cập nhật, 168 không đổi" in text
    assert "DEMO" not in text
    assert Unit.objects.count() == 168


@pytest.mark.parametrize(("content", "message"), [
    ("26734\tphường\tPhường A\n26734\txã\tXã B\n", "appears twice"),
    ("2673\tphường\tPhường A\n", "five digits"),
    ("26734\tquận\tQuận 1\n", "unknown unit type"),
    ("26734\tphường\n", "expected 3 columns"),
])
def test_bad_unit_file_is_refused(tmp_path: Path, content: str, message: str):
    path = tmp_path / "units.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message):
        services.read_units(path)


def test_category_without_agency_or_ward_routing_is_refused(tmp_path: Path):
    path = tmp_path / "categories.tsv"
    path.write_text("code\tgroup\tname\tdefault_agency\troutes_to_ward\tforward_minutes\tresolve_working_days\n"
                    "x\tG\tName\t\t0\t5\t5\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="default agency or ward routing"):
        services.read_categories(path)


def test_category_naming_an_unknown_agency_writes_nothing(db, tmp_path: Path):
    for source in services.DATA_DIR.glob("*.tsv"):
        shutil.copy(source, tmp_path / source.name)
    with (tmp_path / "categories.tsv").open("a", encoding="utf-8") as handle:
        handle.write("x\tG\tName\tNOPE\t0\t5\t5\n")
    with pytest.raises(ReferenceDataError, match="unknown agency NOPE"):
        services.load_reference(data_dir=tmp_path)
    assert Unit.objects.count() == 0
    assert Agency.objects.count() == 0
