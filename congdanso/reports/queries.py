"""Shared reads of reports: the one filter builder and status parser of every list (JSON API, Open311, public
pages, staff queue), cursor pages, the map (bbox, clusters), nearby duplicates, the staff queue. What a public read
shows is ``projections``; lists read its columns with ``values_list``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.agencies.models import Category
from congdanso.core.errors import DomainError
from congdanso.lib.geo import BBox, around, cells_in, distance_m
from congdanso.lib.text import search_text
from congdanso.reports import projections
from congdanso.reports.models import CategoryOptions, MapCell, Report, ReportEvent, ReportPhoto
from congdanso.reports.projections import public_reports
from congdanso.reports.states import FINISHED, OPEN, Status

__all__ = ["BadFilter", "Filters", "Page", "build_filters", "page", "parse_status", "public_reports"]

# Dates a filter or cursor may name: wide enough for any real report, narrow enough that no database or time-zone
# conversion overflows.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)
MAX_ID = 2**63 - 1


class BadFilter(DomainError):
    """A list's parameter cannot be read: a 400 with a message in the user's language."""

    code = "invalid_filter"


@dataclass
class Filters:
    bbox: BBox | None = None
    status: list[str] | None = None
    category: list[str] | None = None  # codes
    ward: list[str] | None = None  # codes
    agency: list[str] | None = None  # codes
    codes: list[str] | None = None  # tracking codes
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    overdue: bool = False
    unrouted: bool = False
    assignee_id: int | None = None
    q: str = ""


def parse_status(values: list[str]) -> list[str]:
    """Status words of every channel: ``open`` and ``closed`` (Open311's two) or single statuses, comma-separated."""
    out: set[str] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if part == "open":
                out |= set(OPEN)
            elif part == "closed":
                out |= set(FINISHED)
            elif part in Status.values:
                out.add(part)
            else:
                raise BadFilter(_("Trạng thái không hợp lệ."))
    return sorted(out)


def _codes(value: str | None) -> list[str] | None:
    found = [c.strip() for c in (value or "").split(",") if c.strip()]
    return found or None


def parse_when(value: str | dt.datetime | None) -> dt.datetime | None:
    """An ISO 8601 date or datetime (naive: the site's time zone), within the range a report may have."""
    if value is None or value == "":
        return None
    when: dt.datetime | None = value if isinstance(value, dt.datetime) else None
    if isinstance(value, str):
        text = value.strip().replace(" ", "+")  # "+07:00" arrives as " 07:00" when not URL-encoded
        try:
            when = parse_datetime(text)
            if when is None:
                when = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        except ValueError as exc:
            raise BadFilter(_("Ngày giờ phải theo ISO 8601 (ví dụ 2025-07-01T08:00:00+07:00).")) from exc
    assert isinstance(when, dt.datetime)
    try:
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        inside = EARLIEST <= when <= LATEST
    except (OverflowError, ValueError):
        inside = False
    if not inside:
        raise BadFilter(_("Ngày giờ nằm ngoài khoảng cho phép (1900–2999)."))
    return when


def build_filters(*, bbox: str | None = None, status: str | None = None, category: str | None = None,
                  ward: str | None = None, agency: str | None = None, codes: str | None = None,
                  created_from: str | dt.datetime | None = None, created_to: str | dt.datetime | None = None,
                  updated_after: str | dt.datetime | None = None, q: str | None = None, overdue: bool = False,
                  unrouted: bool = False, assignee_id: int | None = None) -> Filters:
    """The one filter builder: every list reads its query string through this (each channel names its parameters
    its own way and maps them here). Raises ``BadFilter`` on anything it cannot read."""
    f = Filters(category=_codes(category), ward=_codes(ward), agency=_codes(agency), codes=_codes(codes),
                q=(q or "").strip()[:100], overdue=overdue, unrouted=unrouted, assignee_id=assignee_id)
    if bbox:
        try:
            f.bbox = BBox.parse(bbox)
        except ValueError as exc:
            raise BadFilter(_("bbox phải là min_lon,min_lat,max_lon,max_lat.")) from exc
    if status:
        f.status = parse_status([status]) or None
    f.created_from, f.created_to = parse_when(created_from), parse_when(created_to)
    f.updated_after = parse_when(updated_after)
    return f


def apply_filters(qs: QuerySet[Report], f: Filters) -> QuerySet[Report]:
    if f.bbox is not None:
        qs = qs.filter(lat__gte=f.bbox.min_lat, lat__lte=f.bbox.max_lat, lon__gte=f.bbox.min_lon,
                       lon__lte=f.bbox.max_lon)
        cells = cells_in(f.bbox)
        if cells is not None:  # street zoom: a few grid cells, read through the (cell, lat, lon) index
            qs = qs.filter(cell__in=cells)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.category:
        qs = qs.filter(category__code__in=f.category)
    if f.ward:
        qs = qs.filter(ward__code__in=f.ward)
    if f.agency:
        qs = qs.filter(agency__code__in=f.agency)
    if f.codes:
        qs = qs.filter(code__in=f.codes)
    if f.created_from is not None:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to is not None:
        qs = qs.filter(created_at__lte=f.created_to)
    if f.updated_after is not None:
        qs = qs.filter(updated_at__gt=f.updated_after)
    if f.overdue:
        qs = qs.filter(status__in=list(OPEN), resolve_due_at__lt=timezone.now())
    if f.unrouted:
        qs = qs.filter(agency__isnull=True, status=Status.SUBMITTED)
    if f.assignee_id is not None:
        qs = qs.filter(assignee_id=f.assignee_id)
    if f.q:
        qs = qs.filter(text_query(f.q))
    return qs


def text_query(text: str) -> Q:
    """The search box: a tracking code finds its report; otherwise every word, folded (case and diacritics ignored:
    "ổ gà" = "Ổ gà" = "o ga"), must be in the report's text or address (``Report.search_folded``), its category's
    name, group or synonyms (``Category.terms_folded``) or its ward's name — the database's own ``LIKE``, the same on
    SQLite and PostgreSQL (where a trigram index serves it)."""
    code = normalise_code(text)
    by_code = Q(code=code) if code.startswith("PA-") else Q(pk__in=[])
    words = search_text(text).split()[:8]
    if not words:
        return by_code
    query = Q()
    for word in words:  # a word of the text begins with it: " ga" finds "gà", "o" does not find "chợ"
        query &= (Q(search_folded__contains=f" {word}") | Q(category__terms_folded__contains=f" {word}")
                  | Q(ward__name_folded__startswith=word) | Q(ward__name_folded__contains=f" {word}"))
    return by_code | query


# --- cursor pagination --------------------------------------------------------------------------------------------

def _encode(data: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _bad_cursor() -> BadFilter:
    return BadFilter(_("Con trỏ trang không hợp lệ."))


def _id(value: Any) -> int:
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise _bad_cursor()
    return value


def _decode(cursor: str, *, by_update: bool) -> tuple[dt.datetime | None, int]:
    """A cursor is what ``_encode`` wrote: ``[id]``, or ``[updated_at, id]`` when syncing by change."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(data, list) or len(data) != (2 if by_update else 1):
        raise _bad_cursor()
    if not by_update:
        return None, _id(data[0])
    if not isinstance(data[0], str):
        raise _bad_cursor()
    try:
        at = parse_when(data[0])
    except BadFilter as exc:
        raise _bad_cursor() from exc
    return at, _id(data[1])


@dataclass
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def page(f: Filters, *, cursor: str | None, limit: int, fields: tuple[str, ...] = projections.SUMMARY,
         qs: QuerySet[Report] | None = None) -> Page:
    """A page of the public projection: newest first by id; with ``updated_after`` oldest change first by
    (updated_at, id), for syncing. Rows carry the projection's ``fields``."""
    limit = max(1, min(limit, 200))
    qs = apply_filters(public_reports() if qs is None else qs, f)
    by_update = f.updated_after is not None
    if cursor:
        at, last_id = _decode(cursor, by_update=by_update)
        qs = qs.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=last_id)) if by_update \
            else qs.filter(id__lt=last_id)
    qs = qs.order_by("updated_at", "id") if by_update else qs.order_by("-id")
    keys = ("id", "updated_at") if by_update else ("id",)
    found = projections.rows(qs[: limit + 1], fields, extra=keys)
    more = len(found) > limit
    rows = found[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode([last["updated_at"].isoformat(), last["id"]] if by_update else [last["id"]])
    for key in keys:
        if key not in fields:
            for row in rows:
                del row[key]
    return Page(rows, next_cursor)


def offset_page(f: Filters, *, number: int, size: int, fields: tuple[str, ...], extra: tuple[str, ...] = ()
                ) -> list[dict[str, Any]]:
    """Page ``number`` (from 1) of ``size`` rows of the public projection, newest first (Open311's paging)."""
    qs = apply_filters(public_reports(), f).order_by("-id")
    return projections.rows(qs[(number - 1) * size: number * size], fields, extra=extra)


# --- map ----------------------------------------------------------------------------------------------------------

# Zoom at or above which the map shows single reports; below it, clusters from MapCell at a level by zoom.
STREET_ZOOM = 15
# Cell size in degrees per level; the level is chosen so a screen holds a few dozen cells.
LEVEL_SIZES = {0: 0.32, 1: 0.08, 2: 0.02, 3: 0.005}


def level_for_zoom(zoom: int) -> int:
    if zoom <= 9:
        return 0
    if zoom <= 11:
        return 1
    if zoom <= 13:
        return 2
    return 3


def state_of(status: str) -> str:
    return "open" if status in OPEN else "done"


def map_points(f: Filters, *, zoom: int, limit: int = 1000) -> dict[str, Any]:
    """Map data: single reports at street zoom, counted clusters when zoomed out. Points are plain tuples
    ``(code, status, category code, lat, lon)``, newest first (no model, no dict per row: the street map's hot path)."""
    if zoom >= STREET_ZOOM or f.ward or f.agency or f.codes or f.created_from or f.created_to or f.updated_after \
            or f.overdue or f.q:
        qs = apply_filters(public_reports().filter(lat__isnull=False), f).order_by("-id")
        rows = list(qs.values_list("code", "status", "category__code", "lat", "lon")[:limit])
        return {"kind": "points", "points": rows, "truncated": len(rows) == limit}
    return {"kind": "clusters", "clusters": clusters(f, level_for_zoom(zoom))}


MAP_VERSION_KEY = "reports:map-version"


def map_version() -> int:
    """Bumped by every rebuild of MapCell, so cached clusters never outlive the cells they were read from."""
    version = cache.get(MAP_VERSION_KEY)
    if version is None:
        cache.add(MAP_VERSION_KEY, 1, None)
        version = cache.get(MAP_VERSION_KEY, 1)
    return int(version)


def clusters(f: Filters, level: int) -> list[dict[str, Any]]:
    """Counted clusters from MapCell; "all categories" and "any state" are pre-summed rows (category 0, "all").

    A public aggregate, so it is cached: keyed by the cell range the bbox covers (nearby boxes share an entry),
    the filters, and the map version (a rebuild makes every entry stale at once)."""
    size = LEVEL_SIZES[level]
    span = None
    if f.bbox is not None:
        span = (math.floor(f.bbox.min_lon / size), math.floor(f.bbox.max_lon / size),
                math.floor(f.bbox.min_lat / size), math.floor(f.bbox.max_lat / size))
    wanted = {state_of(s) for s in f.status} if f.status else set()
    if f.status and set(f.status) != set(OPEN) | set(FINISHED) and len(wanted) == 2:
        wanted = set()  # a mix of single statuses: approximate by "any state" (counts are by open/done only)
    state = wanted.pop() if len(wanted) == 1 else "all"
    codes = tuple(sorted(f.category)) if f.category else ()
    where = "-".join(map(str, span)) if span else "all"
    chosen = hashlib.sha256(",".join(codes).encode()).hexdigest()[:16] if codes else "*"
    key = f"reports:clusters:{map_version()}:{level}:{where}:{chosen}:{state}"
    found = cache.get(key)
    if found is None:
        categories = tuple(Category.objects.filter(code__in=codes).values_list("pk", flat=True)) if codes else (0,)
        found = _clusters(level, span, categories or (-1,), state)
        cache.set(key, found, settings.REPORTS_MAP_CACHE_SECONDS)
    return found


def _clusters(level: int, span: tuple[int, int, int, int] | None, categories: tuple[int, ...],
              state: str) -> list[dict[str, Any]]:
    qs = MapCell.objects.filter(level=level, category_id__in=categories, state=state)
    if span is not None:
        qs = qs.filter(cx__gte=span[0], cx__lte=span[1], cy__gte=span[2], cy__lte=span[3])
    cells: dict[tuple[int, int], list[float]] = {}
    for cx, cy, count, lat_sum, lon_sum in qs.values_list("cx", "cy", "count", "lat_sum", "lon_sum"):
        acc = cells.setdefault((cx, cy), [0, 0.0, 0.0])
        acc[0] += count
        acc[1] += lat_sum
        acc[2] += lon_sum
    return [{"lat": round(lat / n, 6), "lon": round(lon / n, 6), "count": int(n)}
            for (n, lat, lon) in cells.values() if n]


def refresh_map_cells() -> int:
    """Rebuild MapCell from the public reports: one GROUP BY over the reports per level, then the roll-ups (all
    categories, any state) from those rows, in one transaction. Returns the number of rows."""
    table = MapCell._meta.db_table
    report_table = Report._meta.db_table
    open_list = ",".join(f"'{s}'" for s in sorted(OPEN))
    state = f"CASE WHEN status IN ({open_list}) THEN 'open' ELSE 'done' END"
    columns = "level, cx, cy, category_id, state, count, lat_sum, lon_sum"
    sums = "SUM(count), SUM(lat_sum), SUM(lon_sum)"
    with transaction.atomic():
        MapCell.objects.all().delete()
        with connection.cursor() as cursor:
            for level, size in LEVEL_SIZES.items():
                # lat/lon are positive in this country; CAST truncates like floor there (and is portable).
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "  # noqa: S608 - no user input in this SQL
                    f"SELECT %s, CAST(lon / %s AS INTEGER), CAST(lat / %s AS INTEGER), category_id, {state}, "
                    f"COUNT(*), SUM(lat), SUM(lon) FROM {report_table} WHERE is_hidden = %s AND lat IS NOT NULL "
                    f"GROUP BY CAST(lon / %s AS INTEGER), CAST(lat / %s AS INTEGER), category_id, {state}",
                    [level, size, size, False, size, size],
                )
                base = f"FROM {table} WHERE level = %s AND category_id <> 0 AND state <> 'all'"
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT level, cx, cy, 0, state, {sums} "
                               f"{base} GROUP BY level, cx, cy, state", [level])
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT level, cx, cy, category_id, 'all', "
                               f"{sums} {base} GROUP BY level, cx, cy, category_id", [level])
                cursor.execute(f"INSERT INTO {table} ({columns}) SELECT level, cx, cy, 0, 'all', {sums} "
                               f"{base} GROUP BY level, cx, cy", [level])
        transaction.on_commit(_bump_map_version)
    return MapCell.objects.count()


def _bump_map_version() -> None:
    try:
        cache.incr(MAP_VERSION_KEY)
    except ValueError:  # evicted or never set: any new value makes old entries unreachable
        cache.set(MAP_VERSION_KEY, int(timezone.now().timestamp()), None)


# --- nearby -------------------------------------------------------------------------------------------------------

def duplicate_radius(category_id: int) -> int:
    options = CategoryOptions.objects.filter(category_id=category_id).values_list("duplicate_radius_m", flat=True)
    return next(iter(options), settings.REPORTS_DUPLICATE_RADIUS_M)


def nearby_open(category_id: int, lat: float, lon: float, *, limit: int = 5) -> list[dict[str, Any]]:
    """Open public reports of the same category within the category's duplicate radius, nearest first."""
    radius = duplicate_radius(category_id)
    box = around(lat, lon, radius)
    rows = (apply_filters(public_reports().filter(category_id=category_id, status__in=list(OPEN)), Filters(bbox=box))
            .order_by("-id").values("id", "code", "description", "lat", "lon", "status", "me_too_count",
                                    "created_at")[:200])
    found: list[dict[str, Any]] = []
    for row in cast(Iterable[dict[str, Any]], rows):  # values() rows, given a distance_m key below
        d = distance_m(lat, lon, row["lat"], row["lon"])
        if d <= radius:
            row["distance_m"] = round(d)
            found.append(row)
    found.sort(key=lambda r: r["distance_m"])
    return found[:limit]


PLACE_GUESS_RADIUS_M = 1500


def ward_at(lat: float, lon: float) -> tuple[Any, str] | None:
    """The ward of a point, to show back to the resident who placed a pin: ``(unit, "boundary")`` from imported
    boundaries, else ``(unit, "nearby")`` from the nearest report with a known ward within
    ``PLACE_GUESS_RADIUS_M`` (a guess the resident confirms or corrects), else None."""
    from congdanso.agencies.models import Unit
    from congdanso.reports.routing import boundary_index

    index = boundary_index()
    if index is not None:
        unit_id = index.find(lat, lon)
        if unit_id is not None:
            return Unit.objects.get(pk=unit_id), "boundary"
    rows = (apply_filters(public_reports().filter(ward__isnull=False, lat__isnull=False),
                          Filters(bbox=around(lat, lon, PLACE_GUESS_RADIUS_M)))
            .order_by("-id").values_list("ward_id", "lat", "lon")[:200])
    best = min(((distance_m(lat, lon, la, lo), ward_id) for ward_id, la, lo in rows
                if la is not None and lo is not None), default=None)
    if best is None or best[0] > PLACE_GUESS_RADIUS_M:
        return None
    return Unit.objects.get(pk=best[1]), "nearby"


# --- single report ------------------------------------------------------------------------------------------------

_CODE = re.compile(r"^(?:PA)?[-\s]*(\d{4})[-\s]*(\d{1,12})$")


def normalise_code(typed: str | None) -> str:
    """A tracking code as residents type it: ``pa-2026-000123``, ``PA 2026 123``, ``2026-123`` → ``PA-2026-000123``;
    anything else upper-cased and trimmed (at most 40 characters)."""
    text = (typed or "").strip().upper()[:40]
    found = _CODE.match(text)
    if found is None:
        return text
    return f"PA-{found.group(1)}-{int(found.group(2)):06d}"


def by_code(code: str) -> Report | None:
    """One report for its public page: the encrypted contact fields are not read (the page never shows them)."""
    private = projections.PRIVATE_DEFERRED
    return (Report.objects.select_related("category", "ward", "agency", "duplicate_of")
            .defer(*private, *(f"duplicate_of__{name}" for name in private)).filter(code=code).first())


def timeline(report: Report, *, internal: bool = False) -> list[ReportEvent]:
    qs = ReportEvent.objects.filter(report=report).prefetch_related("photos").order_by("created_at", "id")
    if not internal:
        qs = qs.filter(is_public=True)
    return list(qs)


def public_photos(report: Report) -> list[ReportPhoto]:
    return list(ReportPhoto.objects.filter(report=report, is_hidden=False).order_by("id"))


def my_reports(user: Any) -> QuerySet[Report]:
    return Report.objects.filter(reporter=user).select_related("category", "agency").order_by("-id")


def followed_reports(user: Any) -> QuerySet[Report]:
    return Report.objects.filter(follows__user=user, is_hidden=False).select_related("category").order_by("-id")


# --- staff queue --------------------------------------------------------------------------------------------------

def staff_scope(user: Any) -> QuerySet[Report]:
    """What a staff member may see: everything for city admins, their agencies' reports otherwise."""
    qs = Report.objects.select_related("category", "ward", "agency", "assignee")
    if has_role(user, Role.CITY_ADMIN):
        return qs
    return qs.filter(agency_id__in=agency_ids_of(user))


def triage_queue() -> QuerySet[Report]:
    return Report.objects.filter(agency__isnull=True, status=Status.SUBMITTED).select_related("category", "ward")


def workload(user: Any) -> dict[str, int]:
    """Counts for a staff member's desk: open, overdue, assigned to them, and (city admins) unroutable."""
    scope = staff_scope(user).filter(status__in=list(OPEN))
    counts = scope.aggregate(
        open=Count("id"),
        new=Count("id", filter=Q(status__in=[Status.SUBMITTED, Status.RECEIVED])),
        overdue=Count("id", filter=Q(resolve_due_at__lt=timezone.now())),
        mine=Count("id", filter=Q(assignee=user)),
    )
    counts["triage"] = triage_queue().count() if has_role(user, Role.CITY_ADMIN) else 0
    return counts


def caller_phones(report_ids: list[str]) -> dict[str, str]:
    """{report id: number} of hotline callers who agreed to SMS and whose number is still kept, read when an SMS
    about the report is sent (``notifications.contacts``): no number once the consent or the number is gone, and
    never for a report with a resident account (they are notified on their own channels)."""
    ids = [int(i) for i in report_ids if str(i).isdigit()]
    if not ids:
        return {}
    rows = Report.objects.filter(pk__in=ids, reporter__isnull=True, sms_consent_at__isnull=False).only(
        "pk", "contact_phone")
    return {str(r.pk): r.contact_phone for r in rows if r.contact_phone}
