"""Shared reads of reports: the public list and map (bbox, filters, cursor pages, clusters), nearby duplicates,
the staff queue. Public projections never carry the reporter; hot paths select only the columns they need.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.lib.geo import BBox, around, cells_in, distance_m
from congdanso.reports.models import CategoryOptions, MapCell, Report, ReportEvent, ReportPhoto
from congdanso.reports.states import FINISHED, OPEN, Status

PUBLIC_COLUMNS = ("id", "code", "status", "category_id", "lat", "lon", "ward_id", "created_at", "updated_at",
                  "resolve_due_at", "me_too_count", "address")


class BadFilter(ValueError):
    pass


@dataclass
class Filters:
    bbox: BBox | None = None
    status: list[str] | None = None  # statuses, or "open"/"closed"
    category: list[int] | None = None
    ward: list[int] | None = None
    agency: list[int] | None = None
    updated_after: dt.datetime | None = None
    overdue: bool = False
    q: str = ""


def parse_status(values: list[str]) -> list[str]:
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
                raise BadFilter(f"unknown status {part!r}")
    return sorted(out)


def apply_filters(qs: QuerySet[Report], f: Filters) -> QuerySet[Report]:
    if f.bbox is not None:
        qs = qs.filter(lat__gte=f.bbox.min_lat, lat__lte=f.bbox.max_lat, lon__gte=f.bbox.min_lon,
                       lon__lte=f.bbox.max_lon)
        cells = cells_in(f.bbox)
        if cells is not None:  # street zoom: a few grid cells, read through the (cell, id) index
            qs = qs.filter(cell__in=cells)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.category:
        qs = qs.filter(category_id__in=f.category)
    if f.ward:
        qs = qs.filter(ward_id__in=f.ward)
    if f.agency:
        qs = qs.filter(agency_id__in=f.agency)
    if f.updated_after is not None:
        qs = qs.filter(updated_at__gt=f.updated_after)
    if f.overdue:
        qs = qs.filter(status__in=list(OPEN), resolve_due_at__lt=timezone.now())
    if f.q:
        q = f.q.strip()
        qs = qs.filter(Q(code__iexact=q) | Q(description__icontains=q) | Q(address__icontains=q))
    return qs


def public_reports() -> QuerySet[Report]:
    return Report.objects.filter(is_hidden=False)


# --- cursor pagination --------------------------------------------------------------------------------------------

def _encode(data: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise BadFilter("invalid cursor") from exc


@dataclass
class Page:
    rows: list[dict[str, Any]]
    next_cursor: str | None


def page(qs: QuerySet[Report], f: Filters, *, cursor: str | None, limit: int, columns: tuple[str, ...]
         = PUBLIC_COLUMNS) -> Page:
    """Newest first by id; with ``updated_after`` oldest change first by (updated_at, id), for syncing."""
    limit = max(1, min(limit, 200))
    qs = apply_filters(qs, f)
    by_update = f.updated_after is not None
    if cursor:
        data = _decode(cursor)
        try:
            if by_update:
                at = dt.datetime.fromisoformat(data[0])
                qs = qs.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=int(data[1])))
            else:
                qs = qs.filter(id__lt=int(data[0]))
        except (IndexError, ValueError, TypeError) as exc:
            raise BadFilter("invalid cursor") from exc
    qs = qs.order_by("updated_at", "id") if by_update else qs.order_by("-id")
    rows = list(qs.values(*columns)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode([last["updated_at"].isoformat(), last["id"]] if by_update else [last["id"]])
    return Page(rows, next_cursor)


def _plain_where(f: Filters) -> tuple[list[str], list[Any]]:
    """The WHERE clause of a public read for bbox/status/category/ward/agency filters (no text search)."""
    where: list[str] = ["is_hidden = %s"]
    params: list[Any] = [False]
    if f.bbox is not None:
        where.append("lat >= %s AND lat <= %s AND lon >= %s AND lon <= %s")
        params += [f.bbox.min_lat, f.bbox.max_lat, f.bbox.min_lon, f.bbox.max_lon]
        cells = cells_in(f.bbox)
        if cells is not None:
            where.append(f"cell IN ({', '.join(['%s'] * len(cells))})")
            params += cells
    for column, values in (("status", f.status), ("category_id", f.category), ("ward_id", f.ward),
                           ("agency_id", f.agency)):
        if values:
            where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params += list(values)
    return where, params


def _native_datetimes(db: Any) -> None:
    """PostgreSQL: read ``timestamptz`` columns of this cursor with psycopg's own (C) loader. Django registers a
    Python subclass of it on every connection so that it can impose its time zone; with ``USE_TZ`` and the
    connection in UTC (what Django sets) both give the same aware UTC datetimes, and the C loader is ~7x cheaper
    (a page of 50 reports reads 150 of them)."""
    if connection.vendor != "postgresql" or not settings.USE_TZ or connection.timezone_name != "UTC":
        return
    from psycopg import adapters
    from psycopg.postgres import types
    from psycopg.pq import Format

    loader = adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    if loader is not None:
        db.cursor.adapters.register_loader("timestamptz", loader)


def public_page(f: Filters, *, cursor: str | None, limit: int) -> Page:
    """``page()`` over the public reports with the SQL written out: the hottest public read (bbox list of the map
    and the API). The ORM would spend more time composing the query than the database spends running it. Text
    search and "overdue" go through ``page()``."""
    if f.q or f.overdue:
        return page(public_reports(), f, cursor=cursor, limit=limit)
    limit = max(1, min(limit, 200))
    ops = connection.ops
    where, params = _plain_where(f)
    by_update = f.updated_after is not None
    if by_update:
        where.append("updated_at > %s")
        params.append(ops.adapt_datetimefield_value(f.updated_after))
    if cursor:
        data = _decode(cursor)
        try:
            if by_update:
                at = ops.adapt_datetimefield_value(dt.datetime.fromisoformat(data[0]))
                where.append("(updated_at > %s OR (updated_at = %s AND id > %s))")
                params += [at, at, int(data[1])]
            else:
                where.append("id < %s")
                params.append(int(data[0]))
        except (IndexError, ValueError, TypeError) as exc:
            raise BadFilter("invalid cursor") from exc
    order = "updated_at ASC, id ASC" if by_update else "id DESC"
    sql = (f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM {Report._meta.db_table} "  # noqa: S608 - fixed names only
           f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s")
    params.append(limit + 1)
    with connection.cursor() as db:
        _native_datetimes(db)
        db.execute(sql, params)
        found = db.fetchall()
    rows = [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in found]
    if connection.vendor != "postgresql":  # SQLite hands back text: make the datetimes what the ORM would give
        for row in rows:
            for key in ("created_at", "updated_at", "resolve_due_at"):
                if isinstance(row[key], str):
                    row[key] = ops.convert_datetimefield_value(row[key], None, connection)  # type: ignore[attr-defined]  # SQLite backend
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode([last["updated_at"].isoformat(), last["id"]] if by_update else [last["id"]])
    return Page(rows, next_cursor)


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
    ``(code, status, category_id, lat, lon)``, newest first (no model, no dict per row: the street map's hot path)."""
    if zoom >= STREET_ZOOM or f.ward or f.agency or f.updated_after or f.overdue or f.q:
        columns = ("code", "status", "category_id", "lat", "lon")
        rows: list[tuple[Any, ...]]
        if f.updated_after or f.overdue or f.q:
            qs = apply_filters(public_reports().filter(lat__isnull=False), f)
            rows = list(qs.order_by("-id").values_list(*columns)[:limit])
        else:  # the common case, written out (see public_page)
            where, params = _plain_where(f)
            sql = (f"SELECT {', '.join(columns)} FROM {Report._meta.db_table} "  # noqa: S608 - fixed names only
                   f"WHERE lat IS NOT NULL AND {' AND '.join(where)} ORDER BY id DESC LIMIT %s")
            with connection.cursor() as db:
                db.execute(sql, [*params, limit])
                rows = db.fetchall()
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
    categories = tuple(sorted(f.category)) if f.category else (0,)
    where = "-".join(map(str, span)) if span else "all"
    key = f"reports:clusters:{map_version()}:{level}:{where}:{','.join(map(str, categories))}:{state}"
    found = cache.get(key)
    if found is None:
        found = _clusters(level, span, categories, state)
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


# --- single report ------------------------------------------------------------------------------------------------

def by_code(code: str) -> Report | None:
    return Report.objects.select_related("category", "ward", "agency").filter(code=code).first()


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
