"""Shared reads of the procedure catalogue: the one filter builder of every list (search page, JSON API, later the
dossiers' procedure picker), the ranked search in each database's own full-text engine, pages, one procedure.

Search (``textsearch`` makes the words: folded, "y" written "i"):

- PostgreSQL: strict pass, every query word in ``search_text`` (full text on the stored, GIN-indexed
  ``search_vector``: ``@@ 'dang:* & ki & khai:* & …'``, words of three letters or more as prefixes); when that finds
  nothing, fuzzy pass, the query trigram-similar to the name (``pg_trgm``'s ``%`` on a GIN index: typos). Rank: the
  whole query as a phrase of the text (a name, a keyword such as "sổ đỏ"), then how many query words begin a word of
  the name, then the trigram similarity of the query to the name; shorter names first on a tie.
- SQLite: the FTS5 table (trigram tokenizer) maintained by triggers; every query word must share a trigram with
  the text (any order), else — when that finds nothing — any word may; ranked first by the whole query appearing as
  a phrase (a name, a keyword such as "sổ đỏ"), then by how many query words begin a word of the name, then by
  ``bm25`` with the name weighted above the rest.

Nothing loops over the rows in Python: the database filters, ranks and pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Min, QuerySet, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from congdanso.lib.text import TextRejected, clean_text
from congdanso.procedures import projections, searchindex, textsearch
from congdanso.procedures.errors import BadFilter, ProcedureNotFound
from congdanso.procedures.models import Level, OnlineLevel, Procedure, ProcedureAgency, ProcedureField

__all__ = ["Filters", "Page", "build_filters", "by_code", "page", "search"]

CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
MAX_CODES = 20
MAX_PAGE_SIZE = 50
MAX_PAGE = 500
ONLINE_ANY = "any"  # partial or full


@dataclass
class Filters:
    q: str = ""
    words: list[str] = field(default_factory=list)
    field: list[str] | None = None  # field codes
    level: list[str] | None = None
    agency: list[str] | None = None  # agency codes
    online: list[str] | None = None  # online levels

    @property
    def is_empty(self) -> bool:
        return not (self.words or self.field or self.level or self.agency or self.online)


def _codes(value: str | None, what: str) -> list[str] | None:
    found = [c.strip() for c in (value or "").split(",") if c.strip()]
    if len(found) > MAX_CODES or any(not CODE.match(c) for c in found):
        raise BadFilter(_("Mã %(what)s không hợp lệ.") % {"what": what})
    return found or None


def _choices(value: str | None, allowed: set[str], message: Any) -> list[str] | None:
    found = [c.strip() for c in (value or "").split(",") if c.strip()]
    if any(c not in allowed for c in found):
        raise BadFilter(message)
    return sorted(set(found)) or None


def build_filters(*, q: str | None = None, field: str | None = None, level: str | None = None,
                  agency: str | None = None, online: str | None = None) -> Filters:
    """The one filter builder: every list reads its parameters through this. Raises ``BadFilter`` (a 400) on a
    level or online level it does not know, a malformed code, or text that may not come from outside."""
    try:
        text = clean_text(q, max_length=200, multiline=False)
    except TextRejected as exc:
        if exc.code == "too_long":
            raise BadFilter(_("Từ khóa tìm kiếm dài quá 200 ký tự.")) from exc
        raise BadFilter(_("Từ khóa tìm kiếm có ký tự không hợp lệ.")) from exc
    online_values = _choices(online, {*OnlineLevel.values, ONLINE_ANY},
                             _("Mức độ trực tuyến phải là full, partial, none hoặc any."))
    if online_values and ONLINE_ANY in online_values:
        online_values = sorted((set(online_values) - {ONLINE_ANY}) | {OnlineLevel.PARTIAL, OnlineLevel.FULL})
    return Filters(
        q=text, words=textsearch.query_words(text),
        field=_codes(field, str(_("lĩnh vực"))), agency=_codes(agency, str(_("cơ quan"))),
        level=_choices(level, set(Level.values), _("Cấp thực hiện phải là central, province hoặc commune.")),
        online=online_values,
    )


def public_procedures() -> QuerySet[Procedure]:
    return Procedure.objects.filter(is_active=True)


def apply_filters(qs: QuerySet[Procedure], f: Filters) -> QuerySet[Procedure]:
    """Every filter but the text."""
    if f.field:
        qs = qs.filter(field__code__in=f.field)
    if f.level:
        qs = qs.filter(level__in=f.level)
    if f.online:
        qs = qs.filter(online_level__in=f.online)
    if f.agency:
        qs = qs.filter(pk__in=ProcedureAgency.objects.filter(code__in=f.agency).values("procedure_id"))
    return qs


# --- text search, one per engine ----------------------------------------------------------------------------------

def _vector() -> RawSQL:
    """The stored ``to_tsvector('simple', search_text)`` column of PostgreSQL (``searchindex.VECTOR``, GIN-indexed)."""
    return RawSQL(f"{searchindex.TABLE}.{searchindex.VECTOR}", [],  # noqa: S611 - constant names
                  output_field=SearchVectorField())


def _postgres(qs: QuerySet[Procedure], words: list[str], *, fuzzy: bool) -> QuerySet[Procedure]:
    text = " ".join(words)
    if fuzzy:  # the query is trigram-similar to the name (typos, missing letters)
        qs = qs.filter(TrigramSimilar(F("name_key"), Value(text)))
    else:  # every word begins a word of the text
        query = SearchQuery(textsearch.tsquery(words), search_type="raw", config="simple")
        qs = qs.annotate(_vector=_vector()).filter(_vector=query)
    # The same order as SQLite's (a phrase of the text, then the name's words), then trigram similarity to the
    # name; computed from the two stored columns of the candidate rows only.
    table = searchindex.TABLE
    coverage = " + ".join([f"(strpos(' ' || {table}.name_key, %s) > 0)::int"] * len(words))
    rank = RawSQL(  # noqa: S611 - fixed SQL, the words are parameters
        f"(strpos(' ' || {table}.search_text || ' ', %s) > 0)::int * 20 + ({coverage}) * 10"
        f" + similarity({table}.name_key, %s) * 5",
        [f" {text} ", *(f" {w}" for w in words), text])
    return qs.annotate(rank=rank).order_by("-rank", Length("name_key"), "name_key", "id")


def _sqlite(qs: QuerySet[Procedure], words: list[str], *, every_word: bool) -> QuerySet[Procedure]:
    # FTS5 needs its MATCH and bm25() in the same SELECT as the virtual table: Django's ``extra`` joins it by rowid
    # (the SQL is fixed; the user's words go in as parameters). Rank: how many query words start a word of the name
    # (weighted first), then bm25 over the trigrams with the name above the rest of the text.
    fts, table = searchindex.FTS, searchindex.TABLE
    coverage = " + ".join([f"(instr(' ' || {table}.name_key, %s) > 0)"] * len(words))
    phrase = f"(instr(' ' || {table}.search_text || ' ', %s) > 0)"
    qs = qs.extra(  # noqa: S610 - fixed SQL, the words are parameters
        select={"rank": f"{phrase} * 20.0 + ({coverage}) * 10.0 - bm25({fts}, 8.0, 1.0)"},
        select_params=[f" {' '.join(words)} ", *(f" {word}" for word in words)],
        tables=[fts],
        where=[f"{fts} MATCH %s", f"{fts}.rowid = {table}.id"],
        params=[textsearch.fts5_match(words, every_word=every_word)],
    )
    return qs.order_by("-rank", Length("name_key"), "name_key", "id")


def search(f: Filters, qs: QuerySet[Procedure] | None = None, *, fuzzy: bool | None = None
           ) -> QuerySet[Procedure]:
    """The procedures that ``f`` selects, best first (by name when there is no text).

    Two passes, the same on both engines: strict (every word found, in any order: PostgreSQL full text by word
    prefix; SQLite every word sharing a trigram with the text), else — when that finds nothing — fuzzy (PostgreSQL:
    trigram similarity to the name; SQLite: any word). ``fuzzy`` None decides by running the strict pass."""
    qs = apply_filters(public_procedures() if qs is None else qs, f)
    if not f.words:
        return qs.order_by("name_key", "id")
    if connection.vendor not in ("postgresql", "sqlite"):
        # Any other engine: every word as a substring of the folded text (no ranking beyond the name).
        for word in f.words:
            qs = qs.filter(search_text__contains=word)
        return qs.order_by(Length("name_key"), "name_key", "id")

    def run(loose: bool) -> QuerySet[Procedure]:
        if connection.vendor == "postgresql":
            return _postgres(qs, f.words, fuzzy=loose)
        return _sqlite(qs, f.words, every_word=not loose)

    if fuzzy is not None:
        return run(fuzzy)
    strict = run(False)
    return strict if strict.exists() else run(True)


@dataclass
class Page:
    rows: list[dict[str, Any]]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def parse_page(number: str | int | None, size: str | int | None = None) -> tuple[int, int]:
    try:
        n = int(number or 1)
        s = int(size or 20)
    except (TypeError, ValueError) as exc:
        raise BadFilter(_("Số trang phải là một số nguyên dương.")) from exc
    if not 1 <= n <= MAX_PAGE:
        raise BadFilter(_("Số trang phải từ 1 đến %(max)d.") % {"max": MAX_PAGE})
    if not 1 <= s <= MAX_PAGE_SIZE:
        raise BadFilter(_("Số mục mỗi trang phải từ 1 đến %(max)d.") % {"max": MAX_PAGE_SIZE})
    return n, s


def page(f: Filters, *, number: int = 1, size: int = 20, fields: tuple[str, ...] = projections.SUMMARY) -> Page:
    """Page ``number`` (from 1) of the search, each row the projection's ``fields``. The strict pass is read
    first; the fuzzy one only when the strict one has no row at all. On PostgreSQL the total comes with the rows
    (``COUNT(*) OVER ()``: the candidates are read once); SQLite cannot run FTS5's bm25() beside a window function,
    so it counts apart when the page is full."""
    start = (number - 1) * size
    windowed = connection.vendor == "postgresql"

    def read(qs: QuerySet[Procedure]) -> list[dict[str, Any]]:
        if windowed:
            return projections.rows(qs.annotate(_total=Window(Count("pk")))[start:start + size], fields,
                                    extra=("_total",))
        return projections.rows(qs[start:start + size], fields)

    qs = search(f, fuzzy=False) if f.words else search(f)
    found = read(qs)
    if f.words and not found and (number == 1 or not qs.exists()):
        qs = search(f, fuzzy=True)
        found = read(qs)
    if windowed and found:
        total = found[0]["_total"]
        for row in found:
            del row["_total"]
    elif number == 1 and len(found) < size:
        total = len(found)
    else:
        total = qs.order_by().count()
    return Page(found, number, size, total)


def by_code(code: str) -> Procedure:
    """One active procedure with everything its page shows, or ``ProcedureNotFound``."""
    if not CODE.match(code or ""):
        raise ProcedureNotFound()
    found = (public_procedures().select_related("field")
             .prefetch_related("steps", "channels", "cases__documents", "agencies", "legal_bases")
             .filter(code=code).first())
    if found is None:
        raise ProcedureNotFound()
    return found


MENUS_KEY = "procedures:menus"
MENUS_SECONDS = 300


def menus() -> dict[str, list[dict[str, Any]]]:
    """The filter menus (fields, agencies), cached: they change only with an import (which forgets them)."""
    found = cache.get(MENUS_KEY)
    if found is None:
        found = {"fields": fields_with_counts(), "agencies": agencies_with_codes()}
        cache.set(MENUS_KEY, found, MENUS_SECONDS)
    return found


def forget_menus() -> None:
    cache.delete(MENUS_KEY)


def fields_with_counts() -> list[dict[str, Any]]:
    """Every field that has an active procedure, with how many (for the filter menus)."""
    rows = (ProcedureField.objects.filter(procedures__is_active=True)
            .annotate(count=Count("procedures")).order_by("name").values("code", "name", "name_en", "count"))
    return list(rows)


def agencies_with_codes() -> list[dict[str, Any]]:
    """Agencies (by code) that perform an active procedure, with how many, for the agency filter."""
    rows = (ProcedureAgency.objects.filter(procedure__is_active=True).exclude(code="")
            .values("code").annotate(name=Min("name"), count=Count("procedure", distinct=True)).order_by("name"))
    return list(rows)
