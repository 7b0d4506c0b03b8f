"""Bulk import of a one-stop-shop system's dossiers (NDJSON and CSV): bad rows reported by number and store nothing,
good rows stored with their timeline and linked applicant (notified), a repeat changes nothing, another agency's row
refused, the input read lazily, the API's limits and answers, the command's summary."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from congdanso.core.models import AuditEntry
from congdanso.dossiers import bulk, services
from congdanso.dossiers.models import Dossier, DossierEvent, DossierSequence, IntegrationSystem
from congdanso.dossiers.states import Status
from congdanso.dossiers.tests.conftest import PERSONAL_ID
from congdanso.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def system_key(department: Any) -> tuple[IntegrationSystem, str]:
    return services.create_integration_system("Một cửa Sở Xây dựng", [department.code], actor=None)


def _row(ref: str, agency: str = "SXD", **extra: Any) -> dict[str, Any]:
    return {"external_id": ref, "procedure": "1.001193", "agency": agency,
            "applicant": {"name": "Nguyễn Thị Lan", "id_number": "079090009999"},
            "submitted_at": "2026-03-10T08:30:00+07:00", **extra}


def _ndjson(*rows: Any) -> list[bytes]:
    return [(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)).encode() + b"\n" for r in rows]


def _run(lines: Any, system: IntegrationSystem, fmt: str = "ndjson", **kw: Any) -> list[bulk.RowResult]:
    return list(bulk.import_dossiers(bulk.read(lines, fmt), system=system, **kw))


def test_good_rows_are_stored_and_bad_ones_reported_by_row(system_key: Any, procedure: Any, department: Any,
                                                           ward_committee: Any) -> None:
    system, _key = system_key
    lines = _ndjson(
        _row("A-1"),
        _row("A-2", procedure="9.999999"),  # unknown procedure
        "{not json",
        _row("A-3", agency=ward_committee.code),  # another agency's dossier
        _row("A-4", submitted_at="hôm qua"),  # bad date
        _row("A-5", code="not a code"),
        _row("A-6", applicant={"name": "Lan\x00"}),  # a NUL: refused by the one normaliser
        _row("A-7", agency="KHONG-CO"),
        _row("A-8", status="processing"),
        _row("A-9", status=1, channel=2, applicant={"kind": "business", "name": "  Công ty  TNHH Hoa\u0300 "}),
    )
    lines.insert(3, b"\n")  # a blank line: skipped, but counted in the line numbers
    results = _run(lines, system)
    by_row = {r.row: r for r in results}
    assert [r.row for r in results] == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]
    assert [r.status for r in results].count(bulk.CREATED) == 2
    assert by_row[2].error == "unknown_procedure" and "9.999999" in by_row[2].message
    assert by_row[3].error == "row_bad_json"
    assert by_row[5].error == "dossier_forbidden" and by_row[5].http_status == 403
    assert by_row[6].error == "row_bad_date" and by_row[6].field == "submitted_at"
    assert by_row[7].error == "dossier_bad_code"
    assert by_row[8].error == "text_nul" and by_row[8].field == "applicant.name"
    assert by_row[9].error == "unknown_agency"
    assert by_row[10].error == "bad_initial_status"
    assert Dossier.objects.count() == 2
    assert set(Dossier.objects.values_list("external_id", flat=True)) == {"A-1", "A-9"}
    stored = Dossier.objects.get(external_id="A-9")
    assert stored.status == Status.SUBMITTED and stored.applicant_name == "Công ty  TNHH Hoà"
    assert stored.due_at is None and stored.channel == 2
    accepted = Dossier.objects.get(external_id="A-1")
    assert accepted.status == Status.ACCEPTED and accepted.due_at is not None
    assert accepted.code == "SXD-260310-0001" and by_row[1].code == accepted.code
    assert DossierEvent.objects.count() == 2  # one timeline row per stored dossier, none for a refused row
    assert AuditEntry.objects.filter(action="dossier.import").count() == 1  # one entry for the batch


def test_a_reimport_changes_nothing(system_key: Any, procedure: Any) -> None:
    system, _key = system_key
    lines = _ndjson(_row("B-1"), _row("B-2"), _row("B-1"))  # B-1 twice in one file: the second is a repeat
    first = _run(lines, system)
    assert [r.status for r in first] == [bulk.CREATED, bulk.CREATED, bulk.UNCHANGED]
    assert first[2].code == first[0].code
    again = _run(lines, system)
    assert [r.status for r in again] == [bulk.UNCHANGED] * 3
    assert [r.code for r in again] == [first[0].code, first[1].code, first[0].code]
    assert Dossier.objects.count() == 2 and DossierEvent.objects.count() == 2
    assert DossierSequence.objects.get().value == 2


def test_codes_are_allocated_per_batch_and_given_codes_respected(system_key: Any, procedure: Any) -> None:
    system, _key = system_key
    given = "SXD-260310-0002"  # a code the system gave, on the day the sequence is about to reach it
    rows = [_row("C-given", code=given)] + [_row(f"C-{i}") for i in range(5)] + [_row("C-taken", code=given)]
    results = _run(_ndjson(*rows), system, batch_size=3)
    codes = [r.code for r in results if r.status == bulk.CREATED]
    assert given in codes and len(set(codes)) == len(codes) == 6
    assert results[-1].status == bulk.REFUSED and results[-1].error == "dossier_exists"
    assert results[-1].http_status == 409
    generated = sorted(c for c in codes if c != given)
    # the given code 0002 is skipped by the sequence, never duplicated
    assert generated == [f"SXD-260310-{n:04d}" for n in (1, 3, 4, 5, 6)]
    # one entry per batch that stored rows (the third, the refused row alone, stored nothing)
    assert AuditEntry.objects.filter(action="dossier.import").count() == 2


def test_csv_with_flat_applicant_columns(system_key: Any, procedure: Any, applicant: Any) -> None:
    system, _key = system_key
    text = (
        "\ufeffexternal_id,procedure,agency,applicant_name,applicant_id_number,submitted_at,due_at,fee_amount\n"
        f"D-1,1.001193,SXD,Nguyễn Thị Lan,{PERSONAL_ID},10/03/2026 08:30,20/03/2026,50000\n"
        '"D-2",1.001193,SXD,"Trần, Văn ""Ba""",,2026-03-11,,\n'
        "D-3,1.001193,SXD,Lê Thị Cúc,,2026-03-11,,-5\n"
        "D-4,1.001193\n"
    )
    results = _run(io.BytesIO(text.encode()).readlines(), system, fmt="csv")
    assert [(r.row, r.status) for r in results] == [(2, "created"), (3, "created"), (4, "refused"), (5, "refused")]
    assert results[2].field == "fee_amount" and results[3].error == "row_bad_csv"
    first = Dossier.objects.get(external_id="D-1")
    assert first.applicant_id == applicant.pk and first.fee_amount == 50000
    assert first.due_at is not None and first.due_at.hour == 10  # 17:00 in Ho Chi Minh City, 10:00 UTC
    assert Dossier.objects.get(external_id="D-2").applicant_name == 'Trần, Văn "Ba"'


def test_a_csv_without_its_header_is_refused_whole(system_key: Any, procedure: Any) -> None:
    with pytest.raises(bulk.ImportRefused):
        bulk.read([b"D-1,1.001193,SXD\n"], "csv")
    with pytest.raises(bulk.ImportRefused):
        bulk.read([b"external_id,procedure,agency,colour\n"], "csv")
    assert not Dossier.objects.exists()


def test_linked_applicants_are_notified_in_the_batch(system_key: Any, procedure: Any, applicant: Any) -> None:
    system, _key = system_key
    _run(_ndjson(_row("E-1", applicant={"name": "Nguyễn Thị Lan", "id_number": PERSONAL_ID}), _row("E-2")), system)
    linked = Dossier.objects.get(external_id="E-1")
    assert linked.applicant_id == applicant.pk and Dossier.objects.get(external_id="E-2").applicant_id is None
    notes = Notification.objects.filter(recipient=applicant, kind="dossier_status")
    assert notes.count() == 1 and linked.code in notes.get().body + notes.get().title


def test_rows_are_pulled_one_batch_at_a_time(system_key: Any, procedure: Any) -> None:
    """A generator input is consumed lazily: results of the first batch come out before the rest is read."""
    system, _key = system_key
    pulled: list[int] = []

    def lines() -> Iterator[bytes]:
        for i in range(10):
            pulled.append(i)
            yield json.dumps(_row(f"F-{i}")).encode() + b"\n"

    results = bulk.import_dossiers(bulk.read(lines(), "ndjson"), system=system, batch_size=4)
    first = next(results)
    assert first.status == bulk.CREATED and len(pulled) <= 5
    assert Dossier.objects.count() == 4  # the first batch is committed, the rest not read yet
    assert len(list(results)) == 9 and Dossier.objects.count() == 10


def test_an_overlong_line_is_refused_without_being_held(system_key: Any, procedure: Any) -> None:
    system, _key = system_key
    big = json.dumps(_row("G-1", applicant={"name": "x" * (bulk.MAX_LINE_BYTES + 10)})).encode() + b"\n"
    stream = io.BytesIO(big + json.dumps(_row("G-2")).encode() + b"\n")
    results = _run(bulk.lines_from(stream), system)
    assert [(r.row, r.status, r.error) for r in results] == [(1, "refused", "row_too_long"), (2, "created", "")]


# --- the API -------------------------------------------------------------------------------------------------------

def _import(client: Client, body: bytes, key: str, content_type: str = "application/x-ndjson") -> Any:
    return client.post(reverse("api-v1:dossiers_import"), body, content_type=content_type,
                       headers={"Authorization": f"Bearer {key}"})


def _lines(answer: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in b"".join(answer.streaming_content).splitlines()]


def test_the_api_streams_a_line_per_row_and_a_summary(client: Client, system_key: Any, procedure: Any,
                                                      ward_committee: Any) -> None:
    _system, key = system_key
    body = b"".join(_ndjson(_row("H-1"), _row("H-2", agency=ward_committee.code), _row("H-3")))
    # larger than the JSON bodies the input guard lets through, to show the body is read as a stream
    body += (b" " * 60_000 + b"\n") * 5  # blank lines
    answer = _import(client, body, key)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/x-ndjson")
    lines = _lines(answer)
    assert [line.get("status") for line in lines[:3]] == ["created", "refused", "created"]
    assert lines[1]["http_status"] == 403 and lines[1]["row"] == 2 and lines[1]["external_id"] == "H-2"
    assert lines[-1] == {"summary": {"rows": 3, "created": 2, "unchanged": 0, "refused": 1,
                                     "reasons": {"dossier_forbidden": 1}}}
    again = _lines(_import(client, body, key))
    assert [line.get("status") for line in again[:3]] == ["unchanged", "refused", "unchanged"]
    csv_answer = _import(client, b"external_id,procedure,agency\nH-4,1.001193,SXD\n", key, "text/csv")
    assert _lines(csv_answer)[0] == {"row": 2, "external_id": "H-4", "status": "created",
                                     "code": Dossier.objects.get(external_id="H-4").code}


def test_the_api_limits_and_refusals(client: Client, system_key: Any, procedure: Any, settings: Any) -> None:
    _system, key = system_key
    settings.DOSSIER_IMPORT_MAX_ROWS = 2
    three = b"".join(_ndjson(_row("I-1"), _row("I-2"), _row("I-3")))
    too_many = _import(client, three, key)
    assert too_many.status_code == 413 and too_many.json()["code"] == "import_too_large"
    assert "2" in too_many.json()["message"] and not Dossier.objects.exists()
    settings.DOSSIER_IMPORT_MAX_ROWS = 100
    settings.DOSSIER_IMPORT_MAX_MB = 0
    assert _import(client, three, key).status_code == 413
    settings.DOSSIER_IMPORT_MAX_MB = 1
    assert _import(client, three, key, "application/json").status_code == 415
    assert _lines(_import(client, b"\n", key)) == [{"summary": {"rows": 0, "created": 0, "unchanged": 0,
                                                                "refused": 0, "reasons": {}}}]
    header = _import(client, b"id;name\n1;2\n", key, "text/csv")
    assert header.status_code == 400 and header.json()["code"] == "import_bad_file"
    assert _import(client, three, "cdsd_wrong").status_code == 401
    assert not Dossier.objects.exists()


# --- the command ---------------------------------------------------------------------------------------------------

def test_the_command_imports_a_file_and_sums_up(system_key: Any, procedure: Any, tmp_path: Any,
                                                ward_committee: Any, capsys: Any) -> None:
    system, _key = system_key
    path = tmp_path / "hoso.ndjson"
    path.write_bytes(b"".join(_ndjson(_row("J-1"), _row("J-2", agency=ward_committee.code), _row("J-3"),
                                      _row("J-4", procedure="0.0"))))
    errors = tmp_path / "errors.csv"
    with pytest.raises(CommandError, match="2 row"):
        call_command("import_dossiers", str(path), "--system", system.name, "--no-progress", "--errors",
                     str(errors))
    out = capsys.readouterr().out
    assert "4 rows — created 2, unchanged 0, refused 2" in out
    assert "dossier_forbidden: 1" in out and "refused row 4 (J-4)" in out
    assert errors.read_text().splitlines()[0] == "row,external_id,error,field,message"
    assert len(errors.read_text().splitlines()) == 3
    call_command("import_dossiers", str(path), "--system", str(system.pk), "--no-progress", "--allow-refused")
    assert "created 0, unchanged 2, refused 2" in capsys.readouterr().out
    assert Dossier.objects.count() == 2
    with pytest.raises(CommandError, match="No one-stop-shop system"):
        call_command("import_dossiers", str(path), "--system", "không có", "--no-progress")


def test_a_repeat_of_a_refused_row_is_refused_alike(system_key: Any, procedure: Any) -> None:
    system, _key = system_key
    taken = _run(_ndjson(_row("K-0", code="SXD-260310-0007")), system)[0].code
    results = _run(_ndjson(_row("K-1", code=taken), _row("K-1", code=taken), _row("K-\x1b[2J")), system)
    assert [(r.status, r.error) for r in results] == [("refused", "dossier_exists"), ("refused", "dossier_exists"),
                                                     ("refused", "text_control")]
    assert [r.row for r in results] == [1, 2, 3]
    assert results[2].external_id == ""  # a control character is never repeated into a report or a terminal
    assert Dossier.objects.count() == 1
