"""The public projection of a report: what anyone may see, the same for the JSON API, Open311, webhooks and the
public pages.

The reporter is never public: not their account, name, contact details, nor whether they asked to hide their
identity. Only the fields named in ``PUBLIC`` leave the platform; each channel shows a subset of them under its own
names (Open311's ``service_code`` is the projection's ``category``). Lists read these columns with
``values_list`` (no model instance, no decryption of contact fields); a single report read as a model defers the
encrypted contact fields (``PRIVATE_DEFERRED``).

The codes and names of categories, wards and agencies are small reference tables: a list reads the report's
foreign keys and takes codes and names from a process-local memo (``core.memo``, emptied when one of those rows is
saved) rather than joining three tables on every page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.urls import reverse

from congdanso.agencies.models import Agency, Category, Unit
from congdanso.core.memo import Memo
from congdanso.reports.models import Report, ReportPhoto

# public name → ORM lookup or expression (joins and subqueries are read in the same query)
PUBLIC: dict[str, Any] = {
    "code": "code",
    "status": "status",
    "category": "category__code",
    "category_name": "category__name",
    "lat": "lat",
    "lon": "lon",
    "ward": "ward__code",
    "ward_name": "ward__name",
    "address": "address",
    "description": "description",
    "agency": "agency__code",
    "agency_name": "agency__name",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "resolve_due_at": "resolve_due_at",
    "me_too_count": "me_too_count",
    "follower_count": "follower_count",
    "duplicate_of": "duplicate_of__code",
    "resolution_note": "resolution_note",
    "reject_reason": "reject_reason",
    # The first public photo's id (a list shows one).
    "photo": Subquery(ReportPhoto.objects.filter(report=OuterRef("pk"), is_hidden=False, kind="report")
                      .order_by("id").values("id")[:1]),
}

# What a list shows (the API list, GeoJSON, the public HTML list).
SUMMARY = ("code", "status", "category", "lat", "lon", "ward", "address", "created_at", "updated_at",
           "resolve_due_at", "me_too_count")
# What Open311 shows of each request.
OPEN311 = ("code", "status", "category", "category_name", "description", "agency_name", "created_at", "updated_at",
           "resolve_due_at", "address", "ward", "lat", "lon", "resolution_note", "reject_reason", "me_too_count",
           "photo")
# The public HTML list.
PAGE_LIST = (*SUMMARY, "category_name", "ward_name")
# One report's page and the API's detail (which lists every photo).
DETAIL = tuple(n for n in PUBLIC if n != "photo")
# Webhooks.
WEBHOOK = ("code", "status", "category", "agency", "lat", "lon", "updated_at")

# Fields that identify or reach the reporter: never in PUBLIC, never read by a public page.
PRIVATE = frozenset({"reporter", "created_by", "assignee", "identity_hidden", "contact_name", "contact_phone",
                     "contact_email", "idempotency_key", "request_hash", "hidden_reason", "source_label"})
PRIVATE_DEFERRED = ("contact_name", "contact_phone", "contact_email")


# public name → (foreign key, reference model, its column): read from the memo, not joined, in lists
REFERENCE: dict[str, tuple[str, type[Model], str]] = {
    "category": ("category_id", Category, "code"), "category_name": ("category_id", Category, "name"),
    "ward": ("ward_id", Unit, "code"), "ward_name": ("ward_id", Unit, "name"),
    "agency": ("agency_id", Agency, "code"), "agency_name": ("agency_id", Agency, "name"),
}
_reference: Memo[dict[int, tuple[Any, ...]]] = Memo("reports.projections.reference", ttl=60.0)


def _table(model: type[Model], *, fresh: bool = False) -> dict[int, tuple[Any, ...]]:
    def load() -> dict[int, tuple[Any, ...]]:
        return {pk: (code, name) for pk, code, name in model._default_manager.values_list("pk", "code", "name")}
    return _reference.get(model._meta.label_lower, load, fresh=fresh)


def reference(model: type[Model], pk: int | None, column: str) -> Any:
    """The code or name of a category, ward or agency by id (None for None)."""
    if pk is None:
        return None
    found = _table(model).get(pk)
    if found is None:  # created since this process loaded the table
        found = _table(model, fresh=True).get(pk, ("", ""))
    return found[0 if column == "code" else 1]


def rows(qs: QuerySet[Report], fields: Iterable[str] = SUMMARY, *, extra: tuple[str, ...] = ()
         ) -> list[dict[str, Any]]:
    """The projection of every report of ``qs`` (already filtered to public reports, ordered and sliced).
    ``extra``: model columns the caller needs for itself (a cursor's keys), under their own names."""
    names = tuple(fields)
    more = tuple(k for k in extra if k not in names)
    columns: list[Any] = []
    for name in names:
        lookup = REFERENCE[name][0] if name in REFERENCE else PUBLIC[name]
        if not (isinstance(lookup, str) and lookup in columns):
            columns.append(lookup)
    columns += [k for k in more if k not in columns]
    index = {c: i for i, c in enumerate(columns) if isinstance(c, str)}
    plain = [(n, index[PUBLIC[n]] if isinstance(PUBLIC[n], str) else columns.index(PUBLIC[n]))
             for n in names if n not in REFERENCE] + [(k, index[k]) for k in more]
    referenced = [(n, index[REFERENCE[n][0]], REFERENCE[n][1], REFERENCE[n][2]) for n in names if n in REFERENCE]
    out = []
    for row in qs.values_list(*columns):
        item = {name: row[i] for name, i in plain}
        for name, i, model, column in referenced:
            item[name] = reference(model, row[i], column)
        out.append(item)
    return out


def of(report: Report, fields: Iterable[str] = DETAIL) -> dict[str, Any]:
    """The projection of one report already read as a model (webhooks, the report's page)."""
    out: dict[str, Any] = {}
    for name in fields:
        value: Any = report
        for part in PUBLIC[name].split("__"):  # a field or a join (the subqueries are for lists)
            value = getattr(value, part) if value is not None else None
        out[name] = value
    return out


def public_reports() -> QuerySet[Report]:
    """Every report anyone may see."""
    return Report.objects.filter(is_hidden=False)


def photo_links(photo_id: int) -> dict[str, str]:
    return {"url": reverse("reports:photo", args=[photo_id]), "thumbnail_url": reverse("reports:thumb",
                                                                                         args=[photo_id])}
