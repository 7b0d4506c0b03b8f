"""Bulk import of dossiers from a one-stop-shop system: NDJSON or CSV, read one row at a time, written in batches.

A row has the fields of the API's ``POST /api/v1/dossiers`` (``external_id``, ``code``, ``procedure``, ``agency``,
``applicant`` {kind, name, id_number, phone}, ``channel``, ``status``, ``submitted_at``, ``accepted_at``,
``due_at``, ``fee_amount``); CSV flattens the applicant into ``applicant_kind``, ``applicant_name``,
``applicant_id_number``, ``applicant_phone``. Every row is checked before anything is written (text through the one
normaliser, the procedure and agency known, the agency one of the system's, dates and the code well formed); a
refused row stores nothing and is reported with its number and the reason in the user's language.

Rows are written ``DOSSIER_IMPORT_BATCH`` at a time, each batch in one transaction: the dossiers and their creation
events by ``bulk_create``, their codes allocated by bumping each agency-and-day sequence once per batch, the
applicants linked through the blind index of their ID number and notified (``notify_many``), the webhooks told, one
audit entry for the batch. Idempotent on the system's ``external_id``: a row already imported is "unchanged".

Memory stays flat whatever the size of the file: rows are pulled from the iterator one batch at a time and the
results are yielded as each batch commits; only the procedures and agencies seen are cached.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import reduce
from operator import or_
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from congdanso.accounts.models import IdentityLevel, User, UserKind
from congdanso.agencies.models import Agency
from congdanso.core import audit
from congdanso.core.fields import blind_index
from congdanso.core.textinput import TextInputError, clean
from congdanso.dossiers import projections, services
from congdanso.dossiers.errors import DossierError
from congdanso.dossiers.models import (
    ApplicantKind,
    Dossier,
    DossierEvent,
    DossierSequence,
    IntegrationSystem,
    SubmissionChannel,
)
from congdanso.dossiers.states import EventKind, Status
from congdanso.lib.text import TextRejected, clean_text
from congdanso.lib.workdays import LOCAL_ZONE
from congdanso.notifications import services as notifications
from congdanso.notifications.models import Webhook
from congdanso.procedures.models import Procedure

MAX_LINE_BYTES = 64 * 1024  # one row; a longer line is refused without being held
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")
CSV_TYPES = ("text/csv",)
CSV_COLUMNS = ("external_id", "code", "procedure", "agency", "applicant_kind", "applicant_name",
               "applicant_id_number", "applicant_phone", "channel", "status", "submitted_at", "accepted_at", "due_at",
               "fee_amount")
CSV_REQUIRED = ("external_id", "procedure", "agency")
_CACHE_LIMIT = 10_000  # procedures or agencies remembered (unknown codes included) before the cache starts over

CREATED, UNCHANGED, REFUSED = "created", "unchanged", "refused"


class ImportRefused(DossierError):
    """The file as a whole cannot be read (a CSV without its header, an unknown format): nothing is imported."""

    code = "import_bad_file"


class RowError(Exception):
    """Why one row is refused: a stable code, the message in the user's language, the field at fault, and the status
    the one-dossier API would have answered (400 bad input, 403 another agency's dossier, 409 code taken)."""

    def __init__(self, code: str, message: str, *, field: str = "", status: int = 400):
        super().__init__(code)
        self.code, self.message, self.field, self.status = code, message, field, status


@dataclass(frozen=True)
class Record:
    """One row as read from the file: its number (the line where it starts), its data, or why it could not be read."""

    number: int
    data: dict[str, Any] | None
    error: RowError | None = None


@dataclass(frozen=True)
class RowResult:
    row: int
    external_id: str
    status: str  # created, unchanged, refused
    code: str = ""
    error: str = ""
    message: str = ""
    field: str = ""
    http_status: int = 0

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"row": self.row, "external_id": self.external_id, "status": self.status}
        if self.code:
            body["code"] = self.code
        if self.status == REFUSED:
            body.update(error=self.error, message=self.message, http_status=self.http_status)
            if self.field:
                body["field"] = self.field
        return body


@dataclass
class Summary:
    """Counts of an import, each refusal reason with how often it came and its first message, and the first
    ``keep`` refused rows."""

    keep: int = 100
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    reason_messages: dict[str, str] = field(default_factory=dict)
    errors: list[RowResult] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        self.rows += 1
        if result.status == CREATED:
            self.created += 1
        elif result.status == UNCHANGED:
            self.unchanged += 1
        else:
            self.refused += 1
            self.reasons[result.error] += 1
            self.reason_messages.setdefault(result.error, result.message)
            if len(self.errors) < self.keep:
                self.errors.append(result)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "unchanged": self.unchanged, "refused": self.refused,
                "reasons": dict(self.reasons)}


# --- reading ------------------------------------------------------------------------------------------------------

class TooLong(bytes):
    """Stands for a line longer than ``MAX_LINE_BYTES`` (its content was skipped, never held)."""


def lines_from(stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of a binary stream, one at a time; a line over ``max_bytes`` comes as an empty ``TooLong``."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while True:  # skip the rest of that line
                rest = stream.readline(max_bytes)
                if not rest or rest.endswith(b"\n"):
                    break
            yield TooLong()
            continue
        yield line


def _decoded(lines: Iterable[bytes | str], first: list[bool]) -> Iterator[str | TooLong]:
    for line in lines:
        if isinstance(line, TooLong):
            yield line
            continue
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="surrogateescape")  # bad bytes: lone surrogates, refused per row
        if first[0]:
            first[0] = False
            line = line.removeprefix("\ufeff")
        yield line


def _too_long() -> RowError:
    return RowError("row_too_long", _("Dòng dài quá %(kb)s KB.") % {"kb": MAX_LINE_BYTES // 1024})


def read_ndjson(lines: Iterable[bytes | str]) -> Iterator[Record]:
    """One JSON object per line; blank lines are skipped, a row's number is its line number."""
    for number, line in enumerate(_decoded(lines, [True]), start=1):
        if isinstance(line, TooLong):
            yield Record(number, None, _too_long())
            continue
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            yield Record(number, None, RowError("row_bad_json", _("Dòng không phải là JSON hợp lệ.")))
            continue
        if not isinstance(data, dict):
            yield Record(number, None, RowError("row_bad_json", _("Mỗi dòng phải là một đối tượng JSON.")))
            continue
        yield Record(number, data)


def read_csv(lines: Iterable[bytes | str]) -> Iterator[Record]:
    """A header row naming the columns (``CSV_COLUMNS``; ``external_id``, ``procedure`` and ``agency`` required), then
    one dossier per row; a row's number is the line where it starts (the header is line 1). The header is read at
    once: a file without it is refused (``ImportRefused``) before any row."""
    long_lines: set[int] = set()
    counter = [0]

    def text() -> Iterator[str]:
        for line in _decoded(lines, [True]):
            counter[0] += 1
            if isinstance(line, TooLong):
                long_lines.add(counter[0])
                yield "\n"
            else:
                yield line

    reader = csv.reader(text())
    header: list[str] = []
    try:
        header = [clean(cell, field="header").lower() for cell in next(reader)]
    except StopIteration:
        pass
    except (csv.Error, TextInputError) as exc:
        raise ImportRefused(_("Dòng tiêu đề của tệp CSV không đọc được.")) from exc
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ImportRefused(_("Tệp CSV phải có dòng tiêu đề với các cột %(columns)s.") % {
            "columns": ", ".join(CSV_REQUIRED)})
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown or len(set(header)) != len(header):
        raise ImportRefused(_("Cột không dùng được trong tệp CSV: %(columns)s. Các cột: %(known)s.") % {
            "columns": ", ".join(unknown or sorted(c for c in header if header.count(c) > 1))[:200],
            "known": ", ".join(CSV_COLUMNS)})
    return _csv_rows(reader, header, long_lines)


def _csv_rows(reader: Any, header: list[str], long_lines: set[int]) -> Iterator[Record]:
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(start, None, RowError("row_bad_csv", _("Dòng CSV không đọc được: %(error)s.") % {
                "error": str(exc)[:100]}))
            continue
        if long_lines and any(n in long_lines for n in range(start, reader.line_num + 1)):
            long_lines.difference_update(range(start, reader.line_num + 1))
            yield Record(start, None, _too_long())
            continue
        if not cells or not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield Record(start, None, RowError("row_bad_csv", _(
                "Dòng có %(cells)d ô, dòng tiêu đề có %(columns)d cột.") % {"cells": len(cells),
                                                                          "columns": len(header)}))
            continue
        raw = dict(zip(header, cells, strict=True))
        yield Record(start, {
            **{k: v for k, v in raw.items() if not k.startswith("applicant_")},
            "applicant": {"kind": raw.get("applicant_kind", ""), "name": raw.get("applicant_name", ""),
                          "id_number": raw.get("applicant_id_number", ""),
                          "phone": raw.get("applicant_phone", "")}})


def read(lines: Iterable[bytes | str], fmt: str) -> Iterator[Record]:
    """``fmt``: ``ndjson`` or ``csv`` (a content type or a file extension naming one of them)."""
    fmt = format_of(fmt)
    if fmt == "csv":
        return read_csv(lines)
    if fmt == "ndjson":
        return read_ndjson(lines)
    raise ImportRefused(_("Định dạng phải là NDJSON (application/x-ndjson) hoặc CSV (text/csv)."))


def format_of(name: str) -> str:
    """``ndjson``, ``csv`` or "" from a content type, a file name or a format name."""
    name = (name or "").split(";")[0].strip().lower()
    if name in NDJSON_TYPES or name.rsplit(".", 1)[-1] in ("ndjson", "jsonl"):
        return "ndjson"
    if name in CSV_TYPES or name.rsplit(".", 1)[-1] == "csv":
        return "csv"
    return ""


# --- checking one row ---------------------------------------------------------------------------------------------

@dataclass
class Row:
    """A row that passed every check, ready to be written."""

    number: int
    external_id: str
    code: str
    procedure: Procedure
    agency: Agency
    applicant_kind: str
    applicant_name: str
    applicant_number: str
    applicant_phone: str
    channel: int
    status: str
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    fee_amount: int | None


@dataclass
class _Context:
    system: IntegrationSystem
    agency_ids: set[int]
    now: dt.datetime
    procedures: dict[str, Procedure | None] = field(default_factory=dict)
    agencies: dict[str, Agency | None] = field(default_factory=dict)
    deadlines: dict[tuple[int, int], services.Deadline] = field(default_factory=dict)
    due: dict[tuple[dt.date, services.Deadline], dt.datetime | None] = field(default_factory=dict)

    def procedure(self, code: str) -> Procedure | None:
        if code not in self.procedures:
            if len(self.procedures) >= _CACHE_LIMIT:
                self.procedures.clear()
            self.procedures[code] = (Procedure.objects.filter(code=code, is_active=True)
                                     .prefetch_related("channels").first())
        return self.procedures[code]

    def agency(self, code: str) -> Agency | None:
        if code not in self.agencies:
            if len(self.agencies) >= _CACHE_LIMIT:
                self.agencies.clear()
            self.agencies[code] = Agency.objects.filter(code=code).first()
        return self.agencies[code]

    def due_from(self, procedure: Procedure, channel: int, accepted: dt.datetime) -> dt.datetime | None:
        key = (procedure.pk, channel)
        if key not in self.deadlines:
            self.deadlines[key] = services.deadline_of(procedure, channel)
        deadline = self.deadlines[key]
        day = accepted.astimezone(LOCAL_ZONE).date()
        if (day, deadline) not in self.due:
            if len(self.due) >= _CACHE_LIMIT:
                self.due.clear()
            self.due[(day, deadline)] = services.due_from(accepted, deadline)
        return self.due[(day, deadline)]


def _text(data: dict[str, Any], key: str, label: str, *, max_length: int, required: bool = False,
          field_name: str = "") -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError("row_bad_value", _("“%(field)s” phải là chuỗi ký tự.") % {"field": label},
                       field=field_name or key)
    try:
        return clean(str(value), field=field_name or key, label=label, max_length=max_length, required=required,
                     multiline=False)
    except TextInputError as exc:
        raise RowError(exc.code, str(exc.message), field=exc.field) from exc


def _moment(data: dict[str, Any], key: str, *, end_of_day: bool = False) -> dt.datetime | None:
    """ISO 8601 (``2026-03-10T08:30:00+07:00``, ``…Z``, ``2026-03-10``) or ``10/03/2026 [08:30]``; without a zone:
    Ho Chi Minh City time. A date alone: the start of that day (a due date: 17:00, as the platform sets them)."""
    value = data.get(key)
    if value in (None, ""):
        return None
    problem = RowError("row_bad_date", _("“%(field)s” phải là ngày giờ dạng ISO 8601 (2026-03-10T08:30:00+07:00) "
                                         "hoặc DD/MM/YYYY HH:MM.") % {"field": key}, field=key)
    if not isinstance(value, str) or len(value) > 40:
        raise problem
    text = value.strip()
    moment: dt.datetime | None = None
    only_date = len(text) == 10
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise problem
    if only_date and end_of_day:
        moment = moment.replace(hour=17)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_ZONE)
    if not 2000 <= moment.year <= 2100:
        raise problem
    return moment


def check(record: Record, ctx: _Context) -> Row:
    """The row, checked and normalised, or ``RowError``."""
    if record.error is not None:
        raise record.error
    data = record.data or {}
    applicant = data.get("applicant") or {}
    if not isinstance(applicant, dict):
        raise RowError("row_bad_value", _("“%(field)s” phải là một đối tượng JSON.") % {"field": "applicant"},
                       field="applicant")
    external_id = _text(data, "external_id", "external_id", max_length=100)
    if not external_id:
        raise RowError("external_id_required", _("Thiếu mã hồ sơ trong hệ thống gửi (external_id)."),
                       field="external_id")
    code = _text(data, "code", "code", max_length=64)
    if code and not services.is_code(code):
        raise RowError("dossier_bad_code", _("Mã hồ sơ không đúng dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>."),
                       field="code")
    procedure_code = _text(data, "procedure", "procedure", max_length=30, required=True)
    procedure = ctx.procedure(procedure_code)
    if procedure is None:
        raise RowError("unknown_procedure", _("Không có thủ tục mã “%(code)s” trong danh mục.") % {
            "code": procedure_code[:40]}, field="procedure")
    agency_code = _text(data, "agency", "agency", max_length=40, required=True)
    agency = ctx.agency(agency_code)
    if agency is None:
        raise RowError("unknown_agency", _("Không có cơ quan mã “%(code)s”.") % {"code": agency_code[:40]},
                       field="agency")
    if agency.pk not in ctx.agency_ids:
        raise RowError("dossier_forbidden", _("Hệ thống này không được tạo hồ sơ của cơ quan khác."), field="agency",
                       status=403)
    kind = _text(applicant, "kind", "applicant.kind", max_length=10, field_name="applicant.kind") \
        or ApplicantKind.CITIZEN
    if kind not in ApplicantKind.values:
        raise RowError("row_bad_value", _("“%(field)s” phải là một trong: %(values)s.") % {
            "field": "applicant.kind", "values": ", ".join(ApplicantKind.values)}, field="applicant.kind")
    channel = _choice(data, "channel", {"1": 1, "2": 2, "3": 3}, default=SubmissionChannel.DIRECT)
    status = _choice(data, "status", {"1": Status.SUBMITTED, "2": Status.ACCEPTED, "submitted": Status.SUBMITTED,
                                      "accepted": Status.ACCEPTED}, default=Status.ACCEPTED,
                     code="bad_initial_status",
                     message=_("Hồ sơ mới chỉ có thể ở trạng thái “Mới đăng ký” hoặc “Được tiếp nhận”."))
    fee = data.get("fee_amount")
    if fee in (None, ""):
        fee = None
    elif isinstance(fee, bool) or not str(fee).isdigit() or int(str(fee)) > 10**12:
        raise RowError("row_bad_value", _("Phí, lệ phí phải là số đồng (số nguyên không âm)."), field="fee_amount")
    submitted = _moment(data, "submitted_at") or ctx.now
    accepted = _moment(data, "accepted_at")
    due = _moment(data, "due_at", end_of_day=True)
    if submitted > ctx.now + dt.timedelta(days=1):
        raise RowError("row_bad_date", _("Ngày nộp hồ sơ ở tương lai."), field="submitted_at")
    if status == Status.ACCEPTED:
        accepted = accepted or submitted
        if accepted < submitted:
            raise RowError("row_bad_date", _("Ngày tiếp nhận trước ngày nộp hồ sơ."), field="accepted_at")
        due = due or ctx.due_from(procedure, channel, accepted)
    else:
        accepted = None
    return Row(number=record.number, external_id=external_id, code=code, procedure=procedure, agency=agency,
               applicant_kind=kind,
               applicant_name=_text(applicant, "name", "applicant.name", max_length=200, field_name="applicant.name"),
               applicant_number=_text(applicant, "id_number", "applicant.id_number", max_length=20,
                                      field_name="applicant.id_number"),
               applicant_phone=_text(applicant, "phone", "applicant.phone", max_length=20,
                                     field_name="applicant.phone"),
               channel=channel, status=status, submitted_at=submitted, accepted_at=accepted, due_at=due,
               fee_amount=int(str(fee)) if fee is not None else None)


def _choice(data: dict[str, Any], key: str, values: dict[str, Any], *, default: Any, code: str = "row_bad_value",
            message: str = "") -> Any:
    value = data.get(key)
    if value in (None, ""):
        return default
    found = values.get(str(value).strip().lower()) if not isinstance(value, bool) else None
    if found is None:
        raise RowError(code, message or _("“%(field)s” phải là một trong: %(values)s.") % {
            "field": key, "values": ", ".join(values)}, field=key)
    return found


# --- writing a batch ----------------------------------------------------------------------------------------------

def _allocate(rows: list[Row], taken: set[str]) -> dict[int, str]:
    """Codes for the rows that came without one: ``<agency>-<YYMMDD>-<n>``, each agency-and-day sequence bumped once
    for the batch (rows locked in a fixed order). A code already used (given by a system) is skipped."""
    wanted: dict[tuple[str, dt.date], list[Row]] = defaultdict(list)
    for row in rows:
        wanted[(row.agency.code, row.submitted_at.astimezone(LOCAL_ZONE).date())].append(row)
    codes: dict[int, str] = {}
    while wanted:
        keys = sorted(wanted)
        DossierSequence.objects.bulk_create([DossierSequence(agency_code=a, day=d, value=0) for a, d in keys],
                                            ignore_conflicts=True)
        sequences = list(DossierSequence.objects.select_for_update()
                         .filter(reduce(or_, (Q(agency_code=a, day=d) for a, d in keys)))
                         .order_by("agency_code", "day"))
        made: list[str] = []
        for sequence in sequences:
            group = wanted.get((sequence.agency_code, sequence.day), [])
            for row in group:
                sequence.value += 1
                codes[row.number] = f"{sequence.agency_code}-{sequence.day:%y%m%d}-{sequence.value:04d}"
                made.append(codes[row.number])
        DossierSequence.objects.bulk_update(sequences, ["value"])
        clash = set(Dossier.objects.filter(code__in=made).values_list("code", flat=True)) | (taken & set(made))
        retry: dict[tuple[str, dt.date], list[Row]] = defaultdict(list)
        for key, group in wanted.items():
            for row in group:
                if codes[row.number] in clash:
                    retry[key].append(row)
        wanted = retry
    return codes


def _write(rows: list[Row], ctx: _Context, *, source: str, request: Any) -> dict[int, RowResult]:
    """Write one batch in one transaction; the result of each row by its number."""
    results: dict[int, RowResult] = {}
    with transaction.atomic():
        ids = [row.external_id for row in rows]
        known = dict(Dossier.objects.filter(system=ctx.system, external_id__in=ids)
                     .values_list("external_id", "code"))
        first: dict[str, Row] = {}
        fresh: list[Row] = []
        for row in rows:
            if row.external_id in known or row.external_id in first:
                continue  # a repeat: answered below with the code of the dossier it names
            first[row.external_id] = row
            fresh.append(row)
        given = [row.code for row in fresh if row.code]
        taken = set(Dossier.objects.filter(code__in=given).values_list("code", flat=True)) if given else set()
        seen_codes: set[str] = set()
        writable: list[Row] = []
        refused: dict[str, RowResult] = {}  # by external id: its repeats in the batch are refused alike
        for row in fresh:
            if row.code and (row.code in taken or row.code in seen_codes):
                results[row.number] = refused[row.external_id] = RowResult(
                    row.number, row.external_id, REFUSED, error="dossier_exists",
                    message=_("Mã hồ sơ “%(code)s” đã có.") % {"code": row.code}, field="code", http_status=409)
                continue
            seen_codes.add(row.code)
            writable.append(row)
        codes = _allocate([row for row in writable if not row.code], seen_codes)
        numbers = [row.applicant_number for row in writable if row.applicant_number]
        indexes = {number: blind_index(number) for number in numbers}
        residents: dict[str, int] = {}
        if indexes:
            for index, pk in (User.objects.filter(personal_id_index__in=set(indexes.values()), kind=UserKind.CITIZEN,
                                                  identity_level__gte=IdentityLevel.LEVEL2)
                              .order_by("pk").values_list("personal_id_index", "pk")):
                residents.setdefault(index, pk)
        now = timezone.now()
        dossiers = []
        for row in writable:
            index = indexes.get(row.applicant_number, "")
            dossier = Dossier(
                code=row.code or codes[row.number], procedure=row.procedure, agency=row.agency, status=row.status,
                channel=row.channel, applicant_kind=row.applicant_kind, applicant_name=row.applicant_name,
                applicant_number=row.applicant_number, applicant_number_index=index,
                applicant_phone=row.applicant_phone, applicant_id=residents.get(index) if index else None,
                submitted_at=row.submitted_at, accepted_at=row.accepted_at, due_at=row.due_at,
                original_due_at=row.due_at, fee_amount=row.fee_amount, system=ctx.system,
                external_id=row.external_id, created_at=now, updated_at=now)
            dossiers.append(dossier)
        Dossier.objects.bulk_create(dossiers)
        events = [DossierEvent(
            dossier=d, kind=EventKind.SUBMIT if d.status == Status.SUBMITTED else EventKind.REGISTER, from_status="",
            to_status=d.status, actor_label=d.agency.name[:200], is_public=True, system=ctx.system,
            created_at=d.accepted_at or d.submitted_at) for d in dossiers]
        DossierEvent.objects.bulk_create(events)
        _tell(dossiers, events)
        if dossiers:
            audit.record("dossier.import", actor=ctx.system, obj=ctx.system, request=request, source=source[:200],
                         created=len(dossiers), first_code=dossiers[0].code, last_code=dossiers[-1].code)
    for row, dossier in zip(writable, dossiers, strict=True):
        results[row.number] = RowResult(row.number, row.external_id, CREATED, code=dossier.code)
        known[row.external_id] = dossier.code
    for row in rows:
        if row.number in results:
            continue
        if row.external_id in refused:
            results[row.number] = replace(refused[row.external_id], row=row.number)
        else:
            results[row.number] = RowResult(row.number, row.external_id, UNCHANGED, code=known[row.external_id])
    return results


def _tell(dossiers: list[Dossier], events: list[DossierEvent]) -> None:
    """As one dossier's creation does: the applicants with an account are notified, the webhooks told — for the
    whole batch at once, in its transaction."""
    notices = [notifications.Notice(
        [d.applicant_id], "dossier_status",
        {"code": d.code, "status": Status(d.status).label, "procedure": d.procedure.name, "message": ""},
        link=reverse("dossiers:detail", args=[d.code]), obj=d) for d in dossiers if d.applicant_id]
    if notices:
        notifications.notify_many(notices)
    topics = {f"dossier.{e.kind}" for e in events} | {"dossier.status_changed"}
    if dossiers and any(hook.wants(t) for hook in Webhook.objects.filter(active=True) for t in topics):
        hooks = []
        for d, e in zip(dossiers, events, strict=True):
            body = projections.webhook(d, e)
            hooks += [(f"dossier.{e.kind}", body), ("dossier.status_changed", body)]
        notifications.emit_webhooks(hooks)


def _write_safely(rows: list[Row], ctx: _Context, *, source: str, request: Any) -> dict[int, RowResult]:
    """A batch at once; when the database refuses it (another import or push of the same dossier at the same moment),
    each row alone, so that one row's conflict refuses that row only."""
    try:
        return _write(rows, ctx, source=source, request=request)
    except IntegrityError:
        results: dict[int, RowResult] = {}
        for row in rows:
            try:
                results.update(_write([row], ctx, source=source, request=request))
            except IntegrityError:
                code = (Dossier.objects.filter(system=ctx.system, external_id=row.external_id)
                        .values_list("code", flat=True).first())
                results[row.number] = (
                    RowResult(row.number, row.external_id, UNCHANGED, code=code) if code else
                    RowResult(row.number, row.external_id, REFUSED, error="dossier_exists",
                              message=_("Mã hồ sơ “%(code)s” đã có.") % {"code": row.code}, field="code",
                              http_status=409))
        return results


def import_dossiers(records: Iterable[Record], *, system: IntegrationSystem, batch_size: int | None = None,
                    source: str = "", request: Any = None) -> Iterator[RowResult]:
    """Import the rows of ``records`` for ``system``; yields every row's result, in the file's order, as each batch
    commits. Pulls at most one batch of rows from ``records`` ahead of what it has yielded."""
    batch_size = batch_size or settings.DOSSIER_IMPORT_BATCH
    ctx = _Context(system=system, agency_ids=set(system.agencies.values_list("pk", flat=True)), now=timezone.now())
    window: list[Row | RowResult] = []
    for record in records:
        try:
            window.append(check(record, ctx))
        except RowError as exc:
            window.append(RowResult(record.number, _echo((record.data or {}).get("external_id")), REFUSED,
                                    error=exc.code, message=exc.message, field=exc.field, http_status=exc.status))
        if len(window) >= batch_size:
            yield from _flush(window, ctx, source=source, request=request)
            window = []
    if window:
        yield from _flush(window, ctx, source=source, request=request)


def _echo(value: Any) -> str:
    """A refused row's external id as the report may repeat it: only text the normaliser accepts (no control
    characters reach a terminal or a log), else nothing."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    try:
        return clean_text(str(value), max_length=100, multiline=False)
    except TextRejected:
        return ""


def _flush(window: list[Row | RowResult], ctx: _Context, *, source: str, request: Any) -> Iterator[RowResult]:
    rows = [item for item in window if isinstance(item, Row)]
    written = _write_safely(rows, ctx, source=source, request=request) if rows else {}
    for item in window:
        yield written[item.number] if isinstance(item, Row) else item
