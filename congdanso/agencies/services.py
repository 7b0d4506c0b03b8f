"""Reference data: administrative units, agencies (sở, ngành, UBND phường/xã) and report categories.

``load_reference()`` upserts the files in ``data/`` by code in one transaction. It only writes a row whose
values differ from the file, so a second run changes nothing. An existing category keeps the routing and
deadlines an administrator may have changed unless ``reset_categories`` is set.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

from django.db import models, transaction

from congdanso.agencies.errors import ReferenceDataError
from congdanso.agencies.models import Agency, AgencyKind, Category, Unit, UnitKind
from congdanso.core import audit

DATA_DIR = Path(__file__).resolve().parent / "data"
UNITS_FILE = DATA_DIR / "hcmc-units-2025.tsv"
DEPARTMENTS_FILE = DATA_DIR / "departments.tsv"
CATEGORIES_FILE = DATA_DIR / "categories.tsv"
CATEGORY_TERMS_FILE = DATA_DIR / "category-terms.tsv"
DEPARTMENT_NAMES_EN_FILE = DATA_DIR / "department-names-en.tsv"

UNIT_KIND_BY_TYPE = {"phường": UnitKind.WARD, "xã": UnitKind.COMMUNE, "đặc khu": UnitKind.SPECIAL_ZONE}
WARD_COMMITTEE_PREFIX = "UBND-"

# Category fields an administrator may tune; kept on existing rows unless reset_categories is set.
CATEGORY_SETTINGS = ("default_agency", "routes_to_ward", "forward_minutes", "resolve_working_days", "synonyms",
                     "synonyms_en")


def ward_committee_code(unit_code: str) -> str:
    return f"{WARD_COMMITTEE_PREFIX}{unit_code}"


def ward_committee_name(unit_name: str) -> str:
    return f"UBND {unit_name}"


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes_changed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# --- reading the files -------------------------------------------------------------------------------------


def _rows(path: Path, columns: int, *, header: bool) -> Iterator[tuple[int, list[str]]]:
    """Non-comment, non-blank rows of a TSV file with their line numbers; checks the column count."""
    with path.open(encoding="utf-8", newline="") as handle:
        seen_header = not header
        for number, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if not row or not "".join(row).strip() or row[0].startswith("#"):
                continue
            if not seen_header:
                seen_header = True
                continue
            if len(row) != columns:
                raise ReferenceDataError(f"{path.name}:{number}: expected {columns} columns, found {len(row)}")
            yield number, [cell.strip() for cell in row]


def _int(path: Path, number: int, value: str, *, minimum: int = 0) -> int:
    try:
        result = int(value)
    except ValueError:
        raise ReferenceDataError(f"{path.name}:{number}: {value!r} is not a whole number") from None
    if result < minimum:
        raise ReferenceDataError(f"{path.name}:{number}: {value!r} must be at least {minimum}")
    return result


def _check_unique(path: Path, number: int, code: str, seen: set[str]) -> None:
    if not code:
        raise ReferenceDataError(f"{path.name}:{number}: empty code")
    if code in seen:
        raise ReferenceDataError(f"{path.name}:{number}: code {code} appears twice")
    seen.add(code)


def read_units(path: Path = UNITS_FILE) -> list[dict[str, str]]:
    units: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, (code, unit_type, name) in _rows(path, 3, header=False):
        _check_unique(path, number, code, seen)
        if not (len(code) == 5 and code.isdigit()):
            raise ReferenceDataError(f"{path.name}:{number}: unit code {code!r} is not five digits")
        kind = UNIT_KIND_BY_TYPE.get(unit_type.casefold())
        if kind is None:
            raise ReferenceDataError(f"{path.name}:{number}: unknown unit type {unit_type!r}")
        units.append({"code": code, "kind": kind.value, "name": name})
    return units


def read_departments(path: Path = DEPARTMENTS_FILE) -> list[dict[str, str]]:
    agencies: list[dict[str, str]] = []
    seen: set[str] = set()
    kinds = set(AgencyKind.values) - {AgencyKind.WARD_COMMITTEE}
    for number, (code, kind, short_name, name) in _rows(path, 4, header=True):
        _check_unique(path, number, code, seen)
        if code.startswith(WARD_COMMITTEE_PREFIX):
            raise ReferenceDataError(f"{path.name}:{number}: codes {WARD_COMMITTEE_PREFIX}… are for ward committees")
        if kind not in kinds:
            raise ReferenceDataError(f"{path.name}:{number}: unknown agency kind {kind!r}")
        agencies.append({"code": code, "kind": kind, "short_name": short_name, "name": name})
    return agencies


def read_categories(path: Path = CATEGORIES_FILE) -> list[dict[str, Any]]:
    categories: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in _rows(path, 7, header=True):
        code, group, name, agency_code, to_ward, forward, resolve = row
        _check_unique(path, number, code, seen)
        if to_ward not in {"0", "1"}:
            raise ReferenceDataError(f"{path.name}:{number}: routes_to_ward must be 0 or 1")
        if not agency_code and to_ward != "1":
            raise ReferenceDataError(f"{path.name}:{number}: a category needs a default agency or ward routing")
        categories.append({
            "code": code, "group": group, "name": name, "default_agency": agency_code,
            "routes_to_ward": to_ward == "1",
            "forward_minutes": _int(path, number, forward, minimum=1),
            "resolve_working_days": _int(path, number, resolve, minimum=1),
        })
    return categories


def read_category_terms(path: Path = CATEGORY_TERMS_FILE) -> dict[str, dict[str, str]]:
    """English names and the words residents use per category code (an absent file: none)."""
    if not path.exists():
        return {}
    terms: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for number, (code, group_en, name_en, synonyms, synonyms_en) in _rows(path, 5, header=True):
        _check_unique(path, number, code, seen)
        terms[code] = {"group_en": group_en, "name_en": name_en,
                       "synonyms": "; ".join(w.strip() for w in synonyms.split(";") if w.strip()),
                       "synonyms_en": "; ".join(w.strip() for w in synonyms_en.split(";") if w.strip())}
    return terms


def read_department_names_en(path: Path = DEPARTMENT_NAMES_EN_FILE) -> dict[str, str]:
    """English names of departments by code (an absent file: none)."""
    if not path.exists():
        return {}
    names: dict[str, str] = {}
    seen: set[str] = set()
    for number, (code, name_en) in _rows(path, 2, header=True):
        _check_unique(path, number, code, seen)
        names[code] = name_en
    return names


M = TypeVar("M", bound=models.Model)


# --- writing -------------------------------------------------------------------------------------------------


def _attname(model: type[models.Model], name: str) -> str:
    return cast(models.Field, model._meta.get_field(name)).attname  # names come from the model's own fields


def _upsert(
    model: type[M],
    existing: dict[str, M],
    code: str,
    values: dict[str, Any],
    tally: Tally,
    *,
    create_only: tuple[str, ...] = (),
) -> M:
    """Create the row with this code, or update the fields whose values differ; write nothing otherwise.

    ``values`` holds plain field values (foreign keys as model instances or None). ``create_only`` fields are
    set when the row is created and left alone afterwards.
    """
    obj = existing.get(code)
    if obj is None:
        obj = model(code=code, **values)
        obj.save()
        existing[code] = obj
        tally.created += 1
        tally.codes_changed.append(code)
        return obj
    changed = []
    for name, value in values.items():
        if name in create_only:
            continue
        attname = _attname(model, name)
        new = value.pk if isinstance(value, models.Model) else value
        if getattr(obj, attname) != new:
            setattr(obj, name, value)
            changed.append(name)
    if changed:
        obj.save()
        tally.updated += 1
        tally.codes_changed.append(code)
    else:
        tally.unchanged += 1
    return obj


def _say(stdout: TextIO | None, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


@transaction.atomic
def load_reference(
    stdout: TextIO | None = None, *, reset_categories: bool = False, actor: Any = None, data_dir: Path = DATA_DIR
) -> dict[str, dict[str, int]]:
    """Upsert units, ward committees, departments and categories from ``data_dir``; return counts per kind.

    Files are read and checked before anything is written; a bad file raises ReferenceDataError and the
    transaction leaves the database as it was.
    """
    unit_rows = read_units(data_dir / UNITS_FILE.name)
    department_rows = read_departments(data_dir / DEPARTMENTS_FILE.name)
    category_rows = read_categories(data_dir / CATEGORIES_FILE.name)
    category_terms = read_category_terms(data_dir / CATEGORY_TERMS_FILE.name)
    for row in category_rows:
        row.update(category_terms.get(row["code"], {}))
    known = {row["code"] for row in department_rows} | {ward_committee_code(row["code"]) for row in unit_rows}
    for row in category_rows:
        if row["default_agency"] and row["default_agency"] not in known:
            raise ReferenceDataError(
                f"{CATEGORIES_FILE.name}: category {row['code']} names unknown agency {row['default_agency']}"
            )

    units: dict[str, Unit] = {u.code: u for u in Unit.objects.select_for_update()}
    agencies: dict[str, Agency] = {a.code: a for a in Agency.objects.select_for_update()}
    categories: dict[str, Category] = {c.code: c for c in Category.objects.select_for_update()}

    unit_tally, committee_tally, department_tally, category_tally = Tally(), Tally(), Tally(), Tally()
    for row in unit_rows:
        unit = _upsert(Unit, units, row["code"], {"kind": row["kind"], "name": row["name"]}, unit_tally)
        _upsert(Agency, agencies, ward_committee_code(unit.code), {
            "name": ward_committee_name(unit.name), "kind": AgencyKind.WARD_COMMITTEE.value, "unit": unit,
        }, committee_tally)
    names_en = read_department_names_en(data_dir / DEPARTMENT_NAMES_EN_FILE.name)
    for row in department_rows:
        code = row.pop("code")
        _upsert(Agency, agencies, code, {**row, "unit": None, "name_en": names_en.get(code, "")}, department_tally)

    for row in category_rows:
        code = row.pop("code")
        agency_code = row["default_agency"]
        row["default_agency"] = agencies[agency_code] if agency_code else None
        _upsert(Category, categories, code, row, category_tally,
                create_only=() if reset_categories else CATEGORY_SETTINGS)

    result: dict[str, Any] = {
        "units": unit_tally.as_dict(),
        "ward_committees": committee_tally.as_dict(),
        "departments": department_tally.as_dict(),
        "categories": category_tally.as_dict(),
    }
    labels = {"units": "Phường/xã", "ward_committees": "UBND phường/xã", "departments": "Sở, ngành",
              "categories": "Lĩnh vực phản ánh"}
    for key, tally in zip(result, (unit_tally, committee_tally, department_tally, category_tally), strict=True):
        _say(stdout, f"{labels[key]}: {tally.created} mới, {tally.updated} cập nhật, {tally.unchanged} không đổi")
    if any(t.changed for t in (unit_tally, committee_tally, department_tally, category_tally)):
        audit.record("agencies.reference_loaded", actor=actor, object_type="agencies.reference", **result)
    return result
