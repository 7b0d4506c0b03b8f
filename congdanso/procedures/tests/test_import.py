"""``import_procedures``: JSON and CSV, idempotent on the code, bad rows refused with a reason and nothing of them
stored, the bundled catalogue, the command's summary."""

from __future__ import annotations

import csv
import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from congdanso.agencies.models import Agency
from congdanso.core.models import AuditEntry
from congdanso.procedures import services
from congdanso.procedures.models import (
    DocumentCase,
    LegalBasis,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureDocument,
    ProcedureStep,
)
from congdanso.procedures.records import Row, parse_record, read_json
from congdanso.testing.factories import make_agency, procedure_record

pytestmark = pytest.mark.django_db


def _import(*records):
    return services.import_procedures([Row(i, r) for i, r in enumerate(records, start=1)])


def test_bundled_catalogue_has_the_fields_residents_use_most(catalogue):
    assert catalogue.created >= 60
    fields = set(Procedure.objects.values_list("field__code", flat=True))
    assert {"ho-tich", "cu-tru", "xay-dung", "ho-kinh-doanh", "doanh-nghiep", "dat-dai", "nha-o",
            "bao-tro-xa-hoi"} <= fields
    birth = Procedure.objects.get(name="Đăng ký khai sinh")
    assert birth.name_en == "Birth registration" and birth.online_level == OnlineLevel.FULL and birth.online_url
    assert birth.steps.count() >= 3 and birth.cases.count() == 2 and birth.legal_bases.exists()
    assert set(birth.channels.values_list("kind", flat=True)) == {"in_person", "online", "postal"}
    # every procedure is complete enough for its page: steps, a channel with a deadline, documents, an agency
    for procedure in Procedure.objects.all():
        assert procedure.steps.exists() and procedure.channels.exists(), procedure.code
        assert ProcedureDocument.objects.filter(case__procedure=procedure).exists(), procedure.code
        assert procedure.agencies.exists(), procedure.code
        assert bool(procedure.online_url) == (procedure.online_level != OnlineLevel.NONE), procedure.code


def test_a_second_import_changes_nothing(catalogue):
    before = dict(Procedure.objects.values_list("code", "updated_at"))
    steps = list(ProcedureStep.objects.values_list("id", flat=True))
    from congdanso.testing.factories import import_bundled_procedures

    again = import_bundled_procedures()
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, catalogue.created, [])
    assert dict(Procedure.objects.values_list("code", "updated_at")) == before
    assert list(ProcedureStep.objects.values_list("id", flat=True)) == steps


def test_a_changed_record_replaces_the_stored_one_whole():
    _import(procedure_record())
    changed = procedure_record(name="Đăng ký khai sinh cho trẻ em", steps=["Một bước duy nhất."],
                               channels=[{"kind": "in_person", "deadline": "05 ngày làm việc"}], online_level="none",
                               online_url="")
    summary = _import(changed)
    assert (summary.created, summary.updated) == (0, 1)
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.name == "Đăng ký khai sinh cho trẻ em"
    assert list(procedure.steps.values_list("text", flat=True)) == ["Một bước duy nhất."]
    assert list(procedure.channels.values_list("kind", flat=True)) == ["in_person"]
    assert procedure.working_days == 5 and procedure.name_key == "dang ki khai sinh cho tre em"
    assert ProcedureChannel.objects.count() == 1 and DocumentCase.objects.count() == 1


def test_agencies_are_linked_by_code_and_fields_created_once():
    agency = make_agency("UBND-26734", "UBND Phường Sài Gòn")
    _import(procedure_record(), procedure_record("1.000894", "Đăng ký kết hôn"))
    assert set(ProcedureAgency.objects.values_list("agency", flat=True)) == {agency.pk}
    assert Procedure.objects.values("field").distinct().count() == 1


@pytest.mark.parametrize(("change", "reason"), [
    ({"name": ""}, "Thiếu tên thủ tục"),
    ({"code": "1 001 193"}, "Mã thủ tục chỉ gồm"),
    ({"level": "district"}, "Cấp thực hiện không hợp lệ"),
    ({"channels": []}, "Thiếu cách thức thực hiện"),
    ({"channels": [{"kind": "in_person", "deadline": "3 ngày làm việc"}]}, "phải có cách thức nộp trực tuyến"),
    ({"online_url": "javascript:alert(1)"}, "không phải là địa chỉ web hợp lệ"),
    ({"online_level": "none"}, "mức độ trực tuyến là không"),
    ({"agencies": []}, "Thiếu cơ quan thực hiện"),
    ({"cases": [{"title": "A", "documents": []}]}, "không có giấy tờ nào"),
    ({"result": "Giấy\x00khai sinh"}, "kết quả thực hiện có ký tự không hợp lệ"),
    ({"legal_bases": [{"number": "60/2014/QH13", "issued_on": "20.11.2014"}]}, "Ngày ban hành"),
    ({"cases": [{"documents": [{"name": "Tờ khai", "copies": -1}]}]}, "Số bản sao"),
])
def test_bad_rows_are_refused_with_a_reason_and_nothing_stored(change, reason):
    summary = _import(procedure_record("1.000001", "Thủ tục tốt"), procedure_record(**change),
                      procedure_record("1.000002", "Thủ tục tốt khác"))
    assert (summary.created, len(summary.refused)) == (2, 1)
    number, _code, message = summary.refused[0]
    assert number == 2 and reason in message
    assert set(Procedure.objects.values_list("code", flat=True)) == {"1.000001", "1.000002"}


def test_a_record_the_database_refuses_half_way_leaves_nothing_behind():
    with mock.patch.object(LegalBasis.objects, "bulk_create", side_effect=DatabaseError("disk full")):
        summary = _import(procedure_record())
    assert summary.created == 0 and "disk full" in summary.refused[0][2]
    assert not Procedure.objects.exists() and not ProcedureStep.objects.exists()
    assert not DocumentCase.objects.exists() and not ProcedureAgency.objects.exists()


def test_vietnamese_labels_are_accepted_for_enumerations():
    record = parse_record(procedure_record(level="Cấp xã", online_level="Trực tuyến toàn trình", channels=[
        {"kind": "Trực tiếp", "deadline": "Trong ngày"}, {"kind": "Trực tuyến", "deadline": "Trong ngày"}]))
    assert (record.level, record.online_level) == ("commune", "full")
    assert [c.kind for c in record.channels] == ["in_person", "online"]


def test_json_file_must_be_a_list(tmp_path):
    from congdanso.procedures.errors import BadRecord

    with pytest.raises(BadRecord):
        read_json('{"procedures": 3}')
    assert [r.number for r in read_json(json.dumps([procedure_record(), procedure_record()]))] == [1, 2]


def _csv(records: list[dict]) -> str:
    columns = ["code", "decision", "name", "name_en", "level", "field_code", "field_name", "field_name_en",
               "kind", "applicants", "result", "requirements", "keywords", "online_level", "online_url",
               "steps_note", "steps", "channels", "cases", "agencies", "legal_bases"]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns)
    writer.writeheader()
    for r in records:
        writer.writerow({**{k: r.get(k, "") for k in columns if k in r and not isinstance(r[k], (list, dict))},
                         "field_code": r["field"]["code"], "field_name": r["field"]["name"],
                         "field_name_en": r["field"]["name_en"], "keywords": ";".join(r["keywords"]),
                         "steps": "\n".join(r["steps"]),
                         **{k: json.dumps(r[k], ensure_ascii=False) for k in
                            ("channels", "cases", "agencies", "legal_bases")}})
    return out.getvalue()


def test_command_imports_csv_then_json_of_the_same_records_without_change(tmp_path):
    records = [procedure_record(), procedure_record("1.000894", "Đăng ký kết hôn")]
    csv_path = tmp_path / "catalogue.csv"
    csv_path.write_text(_csv(records), encoding="utf-8")
    out = io.StringIO()
    call_command("import_procedures", str(csv_path), "--no-progress", stdout=out)
    assert "created 2, updated 0, unchanged 0, refused 0" in out.getvalue()
    assert Procedure.objects.get(code="1.000894").steps.count() == 2
    json_path = tmp_path / "catalogue.json"
    json_path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_procedures", str(json_path), "--no-progress", stdout=out)
    assert "created 0, updated 0, unchanged 2, refused 0" in out.getvalue()
    assert AuditEntry.objects.filter(action="procedures.import").count() == 1


def test_command_lists_refused_rows_and_fails(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(_csv([procedure_record()]) + "1.000003,,Tên,,commune,ho-tich,Hộ tịch,,,,,,,,,,,{bad json,,,\n",
                    encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 row"):
        call_command("import_procedures", str(path), "--no-progress", stdout=out)
    assert "refused row 2 (1.000003): Ô channels không phải JSON hợp lệ." in out.getvalue()
    assert Procedure.objects.filter(code="1.001193").exists()
    out = io.StringIO()
    call_command("import_procedures", str(path), "--no-progress", "--allow-refused", stdout=out)
    assert "unchanged 1, refused 1" in out.getvalue()


def test_command_refuses_an_unknown_format_or_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_procedures", str(tmp_path / "missing.json"))
    (tmp_path / "x.xml").write_text("<x/>")
    with pytest.raises(CommandError, match="json hoặc csv"):
        call_command("import_procedures", str(tmp_path / "x.xml"))


def test_the_progress_bar_goes_to_stderr(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps([procedure_record()]), encoding="utf-8")
    out = io.StringIO()
    call_command("import_procedures", str(path), stdout=out)
    assert "created 1" in out.getvalue()
    assert Agency.objects.count() == 0  # nothing else touched
