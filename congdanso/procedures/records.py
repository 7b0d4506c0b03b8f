"""Reading catalogue records from outside (JSON or CSV files, later the national portal's feed): every value is
normalised (``lib.text.clean_text``) and checked here, before any service writes; a record that cannot be read
raises ``BadRecord`` with the reason in the user's language.

A record is the national catalogue's shape (see ``docs/procedures.md``); enumerations accept the platform's codes
(``commune``, ``full``, ``in_person``…) or the Vietnamese labels ("Cấp xã", "Toàn trình", "Trực tiếp"…).
CSV carries the scalar fields in columns, ``steps`` one per line, ``keywords`` separated by ";" and the nested parts
(``channels``, ``cases``, ``agencies``, ``legal_bases``) as JSON in their cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from congdanso.lib.text import TextRejected, clean_text, fold
from congdanso.procedures.errors import BadRecord
from congdanso.procedures.models import AgencyRole, ChannelKind, Level, OnlineLevel
from congdanso.procedures.textsearch import parse_working_days

CODE = re.compile(r"^[A-Za-z0-9._-]{1,30}$")
FIELD_CODE = re.compile(r"^[a-z0-9-]{1,40}$")
AGENCY_CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
MAX_ITEMS = 100


@dataclass
class Channel:
    kind: str
    deadline_text: str
    working_days: Decimal | None
    fees_text: str = ""
    fee_amount: int | None = None
    description: str = ""


@dataclass
class Document:
    name: str
    template_name: str = ""
    template_url: str = ""
    originals: int = 0
    copies: int = 0
    required: bool = True


@dataclass
class Case:
    title: str
    documents: list[Document]


@dataclass
class AgencyEntry:
    role: str
    name: str
    code: str = ""
    address: str = ""


@dataclass
class Basis:
    number: str
    summary: str = ""
    issued_on: dt.date | None = None
    issuer: str = ""


@dataclass
class ProcedureRecord:
    code: str
    name: str
    level: str
    field_code: str
    field_name: str
    field_name_en: str = ""
    decision: str = ""
    name_en: str = ""
    kind: str = ""
    steps: list[str] = field(default_factory=list)
    steps_note: str = ""
    channels: list[Channel] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    applicants: str = ""
    agencies: list[AgencyEntry] = field(default_factory=list)
    result: str = ""
    legal_bases: list[Basis] = field(default_factory=list)
    requirements: str = ""
    keywords: list[str] = field(default_factory=list)
    online_level: str = OnlineLevel.NONE
    online_url: str = ""

    def digest(self) -> str:
        """SHA-256 of the normalised record: equal records, equal digests (a re-import changes nothing)."""
        data = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


# --- values -------------------------------------------------------------------------------------------------------

def _text(data: dict[str, Any], key: str, label: str, *, max_length: int, required: bool = False,
          multiline: bool = False) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadRecord(_("%(label)s phải là chuỗi ký tự.") % {"label": label})
    try:
        return clean_text(value, max_length=max_length, required=required, multiline=multiline)
    except TextRejected as exc:
        if exc.code == "required":
            raise BadRecord(_("Thiếu %(label)s.") % {"label": label}) from exc
        if exc.code == "too_long":
            raise BadRecord(_("%(label)s dài quá %(limit)d ký tự.") % {"label": label, "limit": max_length}) from exc
        raise BadRecord(_("%(label)s có ký tự không hợp lệ.") % {"label": label}) from exc


def _choice(value: Any, choices: type[Any], label: str, *, default: str | None = None) -> str:
    if value in (None, "") and default is not None:
        return default
    if isinstance(value, str):
        if value in choices.values:
            return value
        folded = fold(value)
        for code, name in choices.choices:
            if fold(str(name)) == folded:
                return str(code)
    raise BadRecord(_("%(label)s không hợp lệ: %(value)s.") % {"label": label, "value": str(value)[:60]})


def _list(data: dict[str, Any], key: str, label: str) -> list[Any]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise BadRecord(_("%(label)s phải là một danh sách.") % {"label": label})
    if len(value) > MAX_ITEMS:
        raise BadRecord(_("%(label)s có quá %(max)d mục.") % {"label": label, "max": MAX_ITEMS})
    return value


def _object(value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRecord(_("Mỗi mục của %(label)s phải là một đối tượng.") % {"label": label})
    return value


def _count(value: Any, label: str) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() \
            or int(value) > 100:
        raise BadRecord(_("%(label)s phải là số nguyên từ 0 đến 100.") % {"label": label})
    return int(value)


def _url(value: Any, label: str) -> str:
    text = _text({"v": value}, "v", label, max_length=500)
    if text:
        try:
            URLValidator(schemes=["https", "http"])(text)
        except ValidationError as exc:
            raise BadRecord(_("%(label)s không phải là địa chỉ web hợp lệ.") % {"label": label}) from exc
    return text


def _bool(value: Any, label: str) -> bool:
    if value in (None, ""):
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "co", "có", "yes"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "khong", "không", "no"}:
        return False
    raise BadRecord(_("%(label)s phải là true hoặc false.") % {"label": label})


def _date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise BadRecord(_("%(label)s phải là ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY.") % {"label": label})


# --- one record ---------------------------------------------------------------------------------------------------

def parse_record(data: Any) -> ProcedureRecord:
    """A catalogue record from its JSON shape (a dict), checked and normalised, or ``BadRecord``."""
    if not isinstance(data, dict):
        raise BadRecord(_("Mỗi thủ tục phải là một đối tượng JSON."))
    code = _text(data, "code", _("mã thủ tục"), max_length=30, required=True)
    if not CODE.match(code):
        raise BadRecord(_("Mã thủ tục chỉ gồm chữ, số, dấu chấm, gạch ngang (tối đa 30 ký tự)."))
    raw_field = data.get("field")
    if isinstance(raw_field, dict):
        field_data = raw_field
    else:
        field_data = {"code": raw_field, "name": data.get("field_name"), "name_en": data.get("field_name_en")}
    field_code = _text(field_data, "code", _("mã lĩnh vực"), max_length=40, required=True)
    if not FIELD_CODE.match(field_code):
        raise BadRecord(_("Mã lĩnh vực chỉ gồm chữ thường không dấu, số và gạch ngang."))
    record = ProcedureRecord(
        code=code,
        name=_text(data, "name", _("tên thủ tục"), max_length=500, required=True),
        name_en=_text(data, "name_en", _("tên tiếng Anh"), max_length=500),
        decision=_text(data, "decision", _("số quyết định công bố"), max_length=120),
        level=_choice(data.get("level"), Level, _("Cấp thực hiện")),
        field_code=field_code,
        field_name=_text(field_data, "name", _("tên lĩnh vực"), max_length=200, required=True),
        field_name_en=_text(field_data, "name_en", _("tên lĩnh vực tiếng Anh"), max_length=200),
        kind=_text(data, "kind", _("loại thủ tục"), max_length=200),
        steps_note=_text(data, "steps_note", _("ghi chú trình tự"), max_length=4000, multiline=True),
        applicants=_text(data, "applicants", _("đối tượng thực hiện"), max_length=4000, multiline=True),
        result=_text(data, "result", _("kết quả thực hiện"), max_length=4000, multiline=True),
        requirements=_text(data, "requirements", _("yêu cầu, điều kiện"), max_length=8000, multiline=True),
        online_level=_choice(data.get("online_level"), OnlineLevel, _("Mức độ trực tuyến"),
                             default=OnlineLevel.NONE),
        online_url=_url(data.get("online_url"), _("Địa chỉ nộp trực tuyến")),
    )
    for i, step in enumerate(_list(data, "steps", _("Trình tự thực hiện")), start=1):
        if isinstance(step, dict):
            step = step.get("text")
        record.steps.append(_text({"v": step}, "v", _("Bước %(n)d") % {"n": i}, max_length=4000, required=True,
                                  multiline=True))
    keywords = data.get("keywords") or []
    if isinstance(keywords, str):
        keywords = keywords.split(";")
    if not isinstance(keywords, list):
        raise BadRecord(_("Từ khóa phải là một danh sách."))
    record.keywords = [k for k in (_text({"v": k}, "v", _("Từ khóa"), max_length=100) for k in keywords) if k]
    if len("; ".join(record.keywords)) > 500:
        raise BadRecord(_("Từ khóa dài quá 500 ký tự."))
    seen_kinds: set[str] = set()
    for item in _list(data, "channels", _("Cách thức thực hiện")):
        item = _object(item, _("Cách thức thực hiện"))
        kind = _choice(item.get("kind"), ChannelKind, _("Hình thức nộp"))
        if kind in seen_kinds:
            raise BadRecord(_("Hình thức nộp %(kind)s lặp lại.") % {"kind": kind})
        seen_kinds.add(kind)
        deadline = _text(item, "deadline", _("thời hạn giải quyết"), max_length=500, required=True)
        fee = item.get("fee_amount")
        if fee not in (None, "") and (isinstance(fee, bool) or not str(fee).isdigit()):
            raise BadRecord(_("Lệ phí phải là số đồng (số nguyên không âm)."))
        record.channels.append(Channel(
            kind=kind, deadline_text=deadline, working_days=parse_working_days(deadline),
            fees_text=_text(item, "fees", _("phí, lệ phí"), max_length=500),
            fee_amount=int(str(fee)) if fee not in (None, "") else None,
            description=_text(item, "description", _("mô tả"), max_length=4000, multiline=True),
        ))
    if not record.channels:
        raise BadRecord(_("Thiếu cách thức thực hiện (ít nhất một hình thức nộp với thời hạn)."))
    if record.online_level != OnlineLevel.NONE and ChannelKind.ONLINE not in seen_kinds:
        raise BadRecord(_("Thủ tục trực tuyến phải có cách thức nộp trực tuyến."))
    if record.online_url and record.online_level == OnlineLevel.NONE:
        raise BadRecord(_("Có địa chỉ nộp trực tuyến nhưng mức độ trực tuyến là không."))
    for case in _list(data, "cases", _("Thành phần hồ sơ")):
        case = _object(case, _("Thành phần hồ sơ"))
        documents = []
        for doc in _list(case, "documents", _("Giấy tờ")):
            doc = _object(doc, _("Giấy tờ"))
            documents.append(Document(
                name=_text(doc, "name", _("tên giấy tờ"), max_length=2000, required=True, multiline=True),
                template_name=_text(doc, "template", _("mẫu đơn, tờ khai"), max_length=300),
                template_url=_url(doc.get("template_url"), _("Địa chỉ tải mẫu")),
                originals=_count(doc.get("originals"), _("Số bản chính")),
                copies=_count(doc.get("copies"), _("Số bản sao")),
                required=_bool(doc.get("required"), _("Bắt buộc")),
            ))
        if not documents:
            raise BadRecord(_("Một trường hợp hồ sơ không có giấy tờ nào."))
        record.cases.append(Case(title=_text(case, "title", _("tên trường hợp"), max_length=500), documents=documents))
    for item in _list(data, "agencies", _("Cơ quan thực hiện")):
        item = _object(item, _("Cơ quan thực hiện"))
        agency_code = _text(item, "code", _("mã cơ quan"), max_length=40)
        if agency_code and not AGENCY_CODE.match(agency_code):
            raise BadRecord(_("Mã cơ quan không hợp lệ: %(code)s.") % {"code": agency_code[:40]})
        record.agencies.append(AgencyEntry(
            role=_choice(item.get("role"), AgencyRole, _("Vai trò cơ quan"), default=AgencyRole.PERFORMING),
            name=_text(item, "name", _("tên cơ quan"), max_length=300, required=True), code=agency_code,
            address=_text(item, "address", _("địa chỉ tiếp nhận"), max_length=500),
        ))
    if not record.agencies:
        raise BadRecord(_("Thiếu cơ quan thực hiện."))
    for item in _list(data, "legal_bases", _("Căn cứ pháp lý")):
        item = _object(item, _("Căn cứ pháp lý"))
        record.legal_bases.append(Basis(
            number=_text(item, "number", _("số ký hiệu văn bản"), max_length=120, required=True),
            summary=_text(item, "summary", _("trích yếu"), max_length=500),
            issued_on=_date(item.get("issued_on"), _("Ngày ban hành")),
            issuer=_text(item, "issuer", _("cơ quan ban hành"), max_length=200),
        ))
    return record


# --- files --------------------------------------------------------------------------------------------------------

JSON_CELLS = ("channels", "cases", "agencies", "legal_bases")


@dataclass
class Row:
    """One row of a file: its number (1-based, data rows), the raw data, or why it could not be read at all."""

    number: int
    data: Any
    error: str = ""

    @property
    def code(self) -> str:
        return str(self.data.get("code") or "")[:30] if isinstance(self.data, dict) else ""


def read_json(text: str) -> list[Row]:
    """A JSON array of records, or an object with a ``procedures`` array."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRecord(_("Tệp JSON không đọc được: %(error)s.") % {"error": exc.msg}) from exc
    if isinstance(data, dict):
        data = data.get("procedures")
    if not isinstance(data, list):
        raise BadRecord(_("Tệp JSON phải là một danh sách thủ tục (hoặc đối tượng có khóa \"procedures\")."))
    return [Row(i, item) for i, item in enumerate(data, start=1)]


def _csv_row(raw: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in raw.items() if k and k not in JSON_CELLS}
    data["field"] = {"code": raw.get("field_code"), "name": raw.get("field_name"), "name_en": raw.get("field_name_en")}
    data["steps"] = [line for line in (raw.get("steps") or "").splitlines() if line.strip()]
    for key in JSON_CELLS:
        cell = (raw.get(key) or "").strip()
        if not cell:
            data[key] = []
            continue
        try:
            data[key] = json.loads(cell)
        except json.JSONDecodeError as exc:
            raise BadRecord(_("Ô %(column)s không phải JSON hợp lệ.") % {"column": key}) from exc
    return data


def iter_csv(text: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "code" not in reader.fieldnames or "name" not in reader.fieldnames:
        raise BadRecord(_("Tệp CSV phải có dòng tiêu đề với ít nhất các cột code và name."))
    for number, raw in enumerate(reader, start=1):
        if None in raw:  # more cells than headers
            yield Row(number, {"code": raw.get("code")}, _("Dòng có nhiều ô hơn tiêu đề."))
            continue
        try:
            yield Row(number, _csv_row(raw))
        except BadRecord as exc:
            yield Row(number, {"code": raw.get("code")}, str(exc.message))


def read_file(path: str, fmt: str | None = None) -> list[Row]:
    """The rows of a JSON or CSV file (by ``fmt`` or the file's extension), UTF-8 (with or without BOM)."""
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    fmt = (fmt or path.rsplit(".", 1)[-1]).lower()
    if fmt == "json":
        return read_json(text)
    if fmt == "csv":
        return list(iter_csv(text))
    raise BadRecord(_("Định dạng tệp phải là json hoặc csv."))
