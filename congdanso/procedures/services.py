"""Every write of the procedure catalogue (DESIGN.md, convention 2): the import of national records, idempotent on
the procedure code, and the derived search columns. Views, API, admin and commands call these; nothing else writes.

A record is stored whole or not at all: each procedure is written in its own transaction (its row and every child
row), so a bad record refused half way leaves nothing behind, and records before and after it are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from congdanso.agencies.models import Agency
from congdanso.core import audit
from congdanso.procedures import textsearch
from congdanso.procedures.errors import BadRecord
from congdanso.procedures.models import (
    DocumentCase,
    LegalBasis,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureDocument,
    ProcedureField,
    ProcedureStep,
)
from congdanso.procedures.queries import forget_menus
from congdanso.procedures.records import ProcedureRecord, Row, parse_record

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, code, reason)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.refused)


def search_columns(name: str, *, name_en: str = "", code: str = "", keywords: Iterable[str] = (),
                   field_name: str = "") -> tuple[str, str]:
    """``(name_key, search_text)`` of a procedure: its folded name, and the folded text every search reads (name,
    code, keywords, field, English name)."""
    name_key = textsearch.search_key(name)
    parts = [name_key, textsearch.search_key(code), *(textsearch.search_key(k) for k in keywords),
             textsearch.search_key(field_name), textsearch.search_key(name_en)]
    # " ; " between the parts: a phrase never runs from one keyword into the next (the engines' word parsers skip it)
    return name_key, " ; ".join(p for p in parts if p)


def refresh_search_columns(procedure: Procedure) -> None:
    """Recompute a procedure's search columns after an edit (the admin's change form)."""
    procedure.name_key, procedure.search_text = search_columns(
        procedure.name, name_en=procedure.name_en, code=procedure.code, keywords=procedure.keywords.split(";"),
        field_name=procedure.field.name)


def save_procedure(procedure: Procedure, *, actor: Any = None) -> Procedure:
    """Save an edited procedure's own fields (not its children) with fresh search columns, audited."""
    with transaction.atomic():
        refresh_search_columns(procedure)
        procedure.save()
        audit.record("procedures.edit", actor=actor, obj=procedure, code=procedure.code)
        transaction.on_commit(forget_menus)
    return procedure


def _field(record: ProcedureRecord, cache: dict[str, ProcedureField]) -> ProcedureField:
    found = cache.get(record.field_code)
    if found is None:
        found, _created = ProcedureField.objects.get_or_create(
            code=record.field_code, defaults={"name": record.field_name, "name_en": record.field_name_en})
        cache[record.field_code] = found
    if (found.name, found.name_en) != (record.field_name, record.field_name_en or found.name_en):
        found.name, found.name_en = record.field_name, record.field_name_en or found.name_en
        found.save(update_fields=["name", "name_en"])
    return found


def _working_days(record: ProcedureRecord) -> Any:
    days = [c.working_days for c in record.channels if c.working_days is not None]
    return min(days) if days else None


def upsert_procedure(record: ProcedureRecord, *, fields: dict[str, ProcedureField] | None = None,
                     agencies: dict[str, int] | None = None) -> str:
    """Create or replace the procedure of ``record.code`` with everything in it. Returns ``created``, ``updated``
    or ``unchanged`` (the stored record has the same digest: nothing is written)."""
    digest = record.digest()
    fields = {} if fields is None else fields
    if agencies is None:
        agencies = dict(Agency.objects.values_list("code", "pk"))
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().filter(code=record.code).first()
        if procedure is not None and procedure.source_hash == digest and procedure.is_active:
            return UNCHANGED
        field_row = _field(record, fields)
        name_key, search_text = search_columns(record.name, name_en=record.name_en, code=record.code,
                                               keywords=record.keywords, field_name=record.field_name)
        values = {
            "decision": record.decision, "name": record.name, "name_en": record.name_en, "level": record.level,
            "field": field_row, "kind": record.kind, "steps_note": record.steps_note,
            "applicants": record.applicants, "result": record.result, "requirements": record.requirements,
            "keywords": "; ".join(record.keywords), "online_level": record.online_level,
            "online_url": record.online_url, "working_days": _working_days(record), "is_active": True,
            "name_key": name_key, "search_text": search_text, "source_hash": digest,
        }
        outcome = CREATED if procedure is None else UPDATED
        if procedure is None:
            procedure = Procedure.objects.create(code=record.code, **values)
        else:
            for key, value in values.items():
                setattr(procedure, key, value)
            procedure.save()
            for related in (procedure.steps, procedure.channels, procedure.cases, procedure.agencies,
                            procedure.legal_bases):
                related.all().delete()
        ProcedureStep.objects.bulk_create(
            [ProcedureStep(procedure=procedure, number=i, text=text) for i, text in enumerate(record.steps, 1)])
        ProcedureChannel.objects.bulk_create([
            ProcedureChannel(procedure=procedure, kind=c.kind, deadline_text=c.deadline_text,
                             working_days=c.working_days, fees_text=c.fees_text, fee_amount=c.fee_amount,
                             description=c.description) for c in record.channels])
        for number, case in enumerate(record.cases, 1):
            case_row = DocumentCase.objects.create(procedure=procedure, number=number, title=case.title)
            ProcedureDocument.objects.bulk_create([
                ProcedureDocument(case=case_row, number=i, name=d.name, template_name=d.template_name,
                                  template_url=d.template_url, originals=d.originals, copies=d.copies,
                                  required=d.required) for i, d in enumerate(case.documents, 1)])
        ProcedureAgency.objects.bulk_create([
            ProcedureAgency(procedure=procedure, role=a.role, code=a.code, name=a.name, address=a.address,
                            agency_id=agencies.get(a.code) if a.code else None) for a in record.agencies])
        LegalBasis.objects.bulk_create([
            LegalBasis(procedure=procedure, number=b.number, summary=b.summary, issued_on=b.issued_on,
                       issuer=b.issuer) for b in record.legal_bases])
    return outcome


def import_procedures(rows: Iterable[Row], *, actor: Any = None, source: str = "",
                      progress: Callable[[Row, str], None] | None = None) -> ImportSummary:
    """Import catalogue rows (``records.read_file``): each valid record created or updated by its code, each bad
    one refused with its reason. ``progress(row, outcome)`` is called after every row. One audit entry per run."""
    summary = ImportSummary()
    fields: dict[str, ProcedureField] = {}
    agencies = dict(Agency.objects.values_list("code", "pk"))
    for row in rows:
        outcome = "refused"
        try:
            if row.error:
                raise BadRecord(row.error)
            outcome = upsert_procedure(parse_record(row.data), fields=fields, agencies=agencies)
        except BadRecord as exc:
            summary.refused.append((row.number, row.code, str(exc.message)))
        except DatabaseError as exc:  # a value the checks let through but the database refused: nothing was kept
            fields.clear()  # a field created in the rolled-back transaction is gone too
            summary.refused.append((row.number, row.code, _("Cơ sở dữ liệu từ chối bản ghi: %(error)s")
                                    % {"error": str(exc).splitlines()[0][:200]}))
        else:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        if progress is not None:
            progress(row, outcome)
    if summary.created or summary.updated:
        transaction.on_commit(forget_menus)
    if summary.created or summary.updated or summary.refused:
        audit.record("procedures.import", actor=actor, object_type="procedures.procedure", source=source[:200],
                     created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
                     refused=len(summary.refused))
    return summary
