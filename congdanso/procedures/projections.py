"""The public projection of a procedure: what anyone may see — the whole national record, nothing else (the
catalogue holds no personal data). Pages, the JSON API and, later, dossiers and feeds all build their output here.

Lists read ``SUMMARY`` with ``values_list`` (no model instance); one procedure's page and the API detail use
``detail`` on a procedure read by ``queries.by_code`` (children prefetched).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language

from congdanso.procedures.models import Procedure

# public name → ORM lookup
PUBLIC: dict[str, str] = {
    "code": "code",
    "name": "name",
    "name_en": "name_en",
    "level": "level",
    "field": "field__code",
    "field_name": "field__name",
    "field_name_en": "field__name_en",
    "online_level": "online_level",
    "online_url": "online_url",
    "working_days": "working_days",
    "decision": "decision",
    "kind": "kind",
    "applicants": "applicants",
    "result": "result",
    "requirements": "requirements",
    "keywords": "keywords",
    "steps_note": "steps_note",
    "updated_at": "updated_at",
}

# What a list shows (search results page, API list).
SUMMARY = ("code", "name", "name_en", "level", "field", "field_name", "field_name_en", "online_level", "online_url",
           "working_days")
DETAIL = tuple(PUBLIC)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def rows(qs: QuerySet[Procedure], fields: tuple[str, ...] = SUMMARY, *, extra: tuple[str, ...] = ()
         ) -> list[dict[str, Any]]:
    """The projection of every procedure of ``qs`` (already filtered, ordered and sliced). ``extra``: annotations
    the caller needs for itself, under their own names."""
    out = []
    names = (*fields, *extra)
    for values in qs.values_list(*(PUBLIC[name] for name in fields), *extra):
        item = dict(zip(names, values, strict=True))
        if "working_days" in item:
            item["working_days"] = _number(item["working_days"])
        out.append(item)
    return out


def detail(procedure: Procedure) -> dict[str, Any]:
    """The whole public record of one procedure (read with ``queries.by_code``: children prefetched)."""
    item: dict[str, Any] = {
        "code": procedure.code, "name": procedure.name, "name_en": procedure.name_en, "level": procedure.level,
        "field": procedure.field.code, "field_name": procedure.field.name, "field_name_en": procedure.field.name_en,
        "online_level": procedure.online_level, "online_url": procedure.online_url,
        "working_days": _number(procedure.working_days), "decision": procedure.decision, "kind": procedure.kind,
        "applicants": procedure.applicants, "result": procedure.result, "requirements": procedure.requirements,
        "keywords": [k.strip() for k in procedure.keywords.split(";") if k.strip()],
        "steps_note": procedure.steps_note, "updated_at": procedure.updated_at,
    }
    item["steps"] = [{"number": s.number, "text": s.text} for s in procedure.steps.all()]
    item["channels"] = [
        {"kind": c.kind, "deadline_text": c.deadline_text, "working_days": _number(c.working_days),
         "fees_text": c.fees_text, "fee_amount": c.fee_amount, "description": c.description}
        for c in procedure.channels.all()
    ]
    item["cases"] = [
        {"number": case.number, "title": case.title, "documents": [
            {"number": d.number, "name": d.name, "template_name": d.template_name, "template_url": d.template_url,
             "originals": d.originals, "copies": d.copies, "required": d.required}
            for d in case.documents.all()
        ]}
        for case in procedure.cases.all()
    ]
    item["agencies"] = [{"role": a.role, "code": a.code, "name": a.name, "address": a.address}
                        for a in procedure.agencies.all()]
    item["legal_bases"] = [{"number": b.number, "summary": b.summary, "issued_on": b.issued_on, "issuer": b.issuer}
                           for b in procedure.legal_bases.all()]
    return item


def display_name(item: dict[str, Any], language: str | None = None) -> str:
    """The name to show in the page's language: the English name when the page is English and one exists."""
    language = language or get_language() or "vi"
    if language.startswith("en") and item.get("name_en"):
        return str(item["name_en"])
    return str(item["name"])


def display_field(item: dict[str, Any], language: str | None = None) -> str:
    language = language or get_language() or "vi"
    if language.startswith("en") and item.get("field_name_en"):
        return str(item["field_name_en"])
    return str(item["field_name"])
