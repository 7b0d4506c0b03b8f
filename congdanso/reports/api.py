"""JSON API of incident reports (mounted at /api/v1/reports): list with filters and cursor pages, GeoJSON, map
clusters, detail, timeline, create (idempotent), follow. Public projections never carry the reporter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from congdanso.agencies.models import Category, Unit
from congdanso.core.audit import client_ip
from congdanso.core.errors import DomainError
from congdanso.core.memo import Memo
from congdanso.lib.geo import BBox
from congdanso.reports import catalogue, queries, services
from congdanso.reports.errors import ReportNotFound
from congdanso.reports.models import Channel, Report
from congdanso.reports.photos import Upload
from congdanso.reports.states import EVENT_LABELS

router = Router(tags=["reports"])

# Small reference tables (categories, units) as code maps, kept per process for a minute: they change rarely.
_maps: Memo[tuple[dict[int, str], dict[str, int]]] = Memo("reports.api.code_maps", ttl=60.0)


def category_maps(fresh: bool = False) -> tuple[dict[int, str], dict[str, int]]:
    def load() -> tuple[dict[int, str], dict[str, int]]:
        rows = list(Category.objects.values_list("pk", "code"))
        return {pk: code for pk, code in rows}, {code: pk for pk, code in rows}
    return _maps.get("categories", load, fresh=fresh)


def unit_maps(fresh: bool = False) -> tuple[dict[int, str], dict[str, int]]:
    def load() -> tuple[dict[int, str], dict[str, int]]:
        rows = list(Unit.objects.values_list("pk", "code"))
        return {pk: code for pk, code in rows}, {code: pk for pk, code in rows}
    return _maps.get("units", load, fresh=fresh)


def _ids(maps: Any, codes: str) -> list[int]:
    wanted = [c.strip() for c in codes.split(",") if c.strip()]
    ids = maps()[1]
    if any(c not in ids for c in wanted):  # created in the last minute? look again once
        ids = maps(fresh=True)[1]
    return [ids.get(c, -1) for c in wanted]


def _code(maps: Any, pk: int | None) -> str | None:
    if pk is None:
        return None
    found = maps()[0].get(pk)
    return found if found is not None else maps(fresh=True)[0].get(pk)


class ApiError(DomainError):
    code = "invalid_filter"


def _error(message: str) -> ApiError:
    return ApiError(message)


def build_filters(*, bbox: str | None = None, status: str | None = None, category: str | None = None,
                  ward: str | None = None, updated_after: dt.datetime | None = None) -> queries.Filters:
    f = queries.Filters()
    if bbox:
        try:
            f.bbox = BBox.parse(bbox)
        except ValueError as exc:
            raise _error(_("bbox phải là min_lon,min_lat,max_lon,max_lat.")) from exc
    if status:
        try:
            f.status = queries.parse_status([status])
        except queries.BadFilter as exc:
            raise _error(_("Trạng thái không hợp lệ.")) from exc
    if category:
        f.category = _ids(category_maps, category)
    if ward:
        f.ward = _ids(unit_maps, ward)
    if updated_after is not None:
        f.updated_after = updated_after
    return f


def public_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The public projection of rows from ``queries.public_page``. Datetimes stay datetimes: ``_json`` writes them
    as ISO 8601 with full precision (microseconds), so that ``updated_after`` of the last item is exact."""
    categories, units = category_maps()[0], unit_maps()[0]
    out = []
    for row in rows:
        category, ward = categories.get(row["category_id"]), row["ward_id"]
        out.append({
            "code": row["code"], "status": row["status"],
            "category": category if category is not None else (_code(category_maps, row["category_id"]) or ""),
            "lat": row["lat"], "lon": row["lon"],
            "ward": None if ward is None else units.get(ward) or _code(unit_maps, ward),
            "address": row.get("address", ""), "created_at": row["created_at"], "updated_at": row["updated_at"],
            "resolve_due_at": row["resolve_due_at"], "me_too_count": row["me_too_count"],
        })
    return out


def _json(body: Any, content_type: str = "application/json; charset=utf-8") -> HttpResponse:
    """The hot read paths' encoder: orjson (UTF-8 as is, datetimes as ``isoformat()`` gives them)."""
    return HttpResponse(orjson.dumps(body), content_type=content_type)


def _iso(value: dt.datetime | None) -> str | None:
    """Full precision (microseconds), so that ``updated_after`` of the last item is exact."""
    return value.isoformat() if value is not None else None


class ReportOut(Schema):
    code: str
    status: str
    category: str
    lat: float | None = None
    lon: float | None = None
    ward: str | None = None
    address: str = ""
    created_at: str
    updated_at: str
    resolve_due_at: str | None = None
    me_too_count: int = 0


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None = None


class ListQuery(Schema):
    bbox: str | None = None
    status: str | None = None
    category: str | None = None
    ward: str | None = None
    updated_after: dt.datetime | None = None
    cursor: str | None = None
    limit: int = 50


def _page(q: ListQuery) -> queries.Page:
    f = build_filters(bbox=q.bbox, status=q.status, category=q.category, ward=q.ward, updated_after=q.updated_after)
    try:
        return queries.public_page(f, cursor=q.cursor, limit=q.limit)
    except queries.BadFilter as exc:
        raise _error(_("Con trỏ trang không hợp lệ.")) from exc


@router.get("", response=ReportPage, summary="Public reports (filters, cursor pagination)", url_name="reports_list")
def list_reports(request: HttpRequest, q: Query[ListQuery]) -> HttpResponse:
    result = _page(q)
    # Hot path: built and encoded directly (the rows are already plain, the schema documents them).
    return _json({"items": public_rows(result.rows), "next_cursor": result.next_cursor})


@router.get("/geojson", summary="Public reports as a GeoJSON FeatureCollection", url_name="reports_geojson")
def list_geojson(request: HttpRequest, q: Query[ListQuery]) -> HttpResponse:
    result = _page(q)
    features = []
    for props in public_rows(result.rows):
        lat, lon = props.pop("lat"), props.pop("lon")
        features.append({"type": "Feature", "id": props["code"], "properties": props,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None})
    body = {"type": "FeatureCollection", "features": features, "next_cursor": result.next_cursor}
    return _json(body, content_type="application/geo+json")


class MapQuery(Schema):
    bbox: str
    zoom: int = 12
    status: str | None = None
    category: str | None = None


@router.get("/map", summary="Map data: clusters when zoomed out, single reports at street zoom",
            url_name="reports_map")
def map_data(request: HttpRequest, q: Query[MapQuery]) -> HttpResponse:
    f = build_filters(bbox=q.bbox, status=q.status, category=q.category)
    data = queries.map_points(f, zoom=max(0, min(q.zoom, 20)))
    if data["kind"] == "points":
        categories = category_maps()[0]
        data["points"] = [{"code": code, "status": status,
                           "category": categories.get(category_id) or _code(category_maps, category_id),
                           "lat": lat, "lon": lon} for code, status, category_id, lat, lon in data["points"]]
    return _json(data)


@router.get("/nearby", summary="Open reports of a category near a point (duplicate suggestions)")
def nearby(request: HttpRequest, category: str, lat: float, lon: float) -> list[dict[str, Any]]:
    found = _ids(category_maps, category)[0] if category else -1
    if found == -1:
        raise _error(_("Lĩnh vực không tồn tại hoặc đã ngừng dùng."))
    rows = queries.nearby_open(found, lat, lon)
    return [{"code": r["code"], "distance_m": r["distance_m"], "status": r["status"],
             "me_too_count": r["me_too_count"], "description": r["description"][:200]} for r in rows]


def _public_report(code: str) -> Report:
    report = queries.by_code(code)
    if report is None or report.is_hidden:
        raise ReportNotFound()
    return report


class PhotoOut(Schema):
    url: str
    thumbnail_url: str
    kind: str


class EventOut(Schema):
    at: dt.datetime
    kind: str
    label: str
    status: str
    by: str
    message: str
    photos: list[PhotoOut]


class AnswerOut(Schema):
    code: str
    question: str
    value: Any
    text: str


class DetailOut(ReportOut):
    category_name: str
    description: str
    agency: str | None = None
    overdue: bool
    follower_count: int
    duplicate_of: str | None = None
    url: str
    photos: list[PhotoOut]
    answers: list[AnswerOut] = []  # answers to the category's questions; free-text answers stay with staff


def _photo(p: Any) -> dict[str, str]:
    return {"url": reverse("reports:photo", args=[p.pk]), "thumbnail_url": reverse("reports:thumb", args=[p.pk]),
            "kind": p.kind}


@router.get("/{code}", response=DetailOut, summary="One public report", url_name="reports_detail")
def detail(request: HttpRequest, code: str) -> dict[str, Any]:
    r = _public_report(code)
    return {
        "code": r.code, "status": r.status, "category": r.category.code, "category_name": r.category.name,
        "lat": r.lat, "lon": r.lon, "ward": r.ward.code if r.ward else None, "address": r.address,
        "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at), "resolve_due_at": _iso(r.resolve_due_at),
        "me_too_count": r.me_too_count, "follower_count": r.follower_count, "description": r.description,
        "agency": r.agency.name if r.agency else None, "overdue": r.is_overdue,
        "duplicate_of": r.duplicate_of.code if r.duplicate_of else None,
        "url": reverse("reports:detail", args=[r.code]),
        "photos": [_photo(p) for p in queries.public_photos(r) if p.kind == "report"],
        "answers": [{"code": a.code, "question": a.question, "value": a.value, "text": a.text}
                    for a in catalogue.answers(r, public=True)],
    }


@router.get("/{code}/timeline", response=list[EventOut], summary="The public timeline of a report")
def timeline(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    r = _public_report(code)
    return [{"at": e.created_at, "kind": e.kind, "label": str(EVENT_LABELS.get(e.kind, e.kind)),
             "status": e.to_status, "by": e.actor_name, "message": e.message,
             "photos": [_photo(p) for p in e.photos.all() if not p.is_hidden]} for e in queries.timeline(r)]


class CreateIn(Schema):
    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    ward: str | None = None
    address: str = ""
    identity_hidden: bool = False
    priority: str = "normal"


class CreatedOut(Schema):
    code: str
    status: str
    url: str
    created: bool


@router.post("", response={200: CreatedOut, 201: CreatedOut}, auth=django_auth,
             summary="File a report (resident session; send Idempotency-Key to make retries safe)")
def create(request: HttpRequest, data: Form[CreateIn],
           photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja's optional-file form
           ) -> Status[dict[str, Any]]:
    key = request.headers.get("Idempotency-Key") or None
    uploads = [Upload(f.name or "photo", f.read()) for f in (photos or [])[:6]]
    result = services.submit_report(
        services.ReportInput(category=data.category, description=data.description, lat=data.lat, lon=data.lon,
                             ward=data.ward, address=data.address, identity_hidden=data.identity_hidden,
                             priority=data.priority, photos=uploads, channel=Channel.APP),
        actor=request.user, idempotency_key=key, ip=client_ip(request), request=request,
    )
    r = result.report
    return Status(201 if result.created else 200, {"code": r.code, "status": r.status, "created": result.created,
                                                   "url": reverse("reports:detail", args=[r.code])})


@router.post("/{code}/follow", auth=django_auth, summary="Follow a report (me_too=true also counts you)")
def follow(request: HttpRequest, code: str, me_too: bool = False) -> dict[str, Any]:
    r = _public_report(code)
    services.follow_report(r, actor=request.user, me_too=me_too)
    r.refresh_from_db(fields=["follower_count", "me_too_count"])
    return {"follower_count": r.follower_count, "me_too_count": r.me_too_count}
