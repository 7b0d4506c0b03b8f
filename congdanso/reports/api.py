"""JSON API of incident reports (mounted at /api/v1/reports): list with filters and cursor pages, GeoJSON, map
clusters, detail, timeline, create (idempotent), follow. Public projections never carry the reporter."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from congdanso.agencies.models import Category
from congdanso.core.audit import client_ip
from congdanso.core.errors import DomainError
from congdanso.reports import catalogue, inputs, projections, queries, services
from congdanso.reports.errors import ReportNotFound
from congdanso.reports.models import Channel, Report, ReportPhoto
from congdanso.reports.states import EVENT_LABELS, OPEN

router = Router(tags=["reports"])


def _json(body: Any, content_type: str = "application/json; charset=utf-8") -> HttpResponse:
    """The list endpoints' encoder: orjson (UTF-8 as is, datetimes with full precision, so that ``updated_after``
    of the last item is exact). Their bodies are checked against the declared schemas in the tests."""
    return HttpResponse(orjson.dumps(body), content_type=content_type)


def _iso(value: dt.datetime | None) -> str | None:
    """Full precision (microseconds), so that ``updated_after`` of the last item is exact."""
    return value.isoformat() if value is not None else None


class ReportProperties(Schema):
    code: str
    status: str
    category: str
    ward: str | None = None
    address: str = ""
    created_at: dt.datetime
    updated_at: dt.datetime
    resolve_due_at: dt.datetime | None = None
    me_too_count: int = 0


class ReportOut(ReportProperties):
    """A report in a list: the map feature's properties and its place."""

    lat: float | None = None
    lon: float | None = None


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None = None


class ListQuery(Schema):
    bbox: str | None = Field(None, description="min_lon,min_lat,max_lon,max_lat")
    status: str | None = Field(None, description="open, closed or statuses, comma-separated")
    category: str | None = Field(None, description="category codes, comma-separated")
    ward: str | None = Field(None, description="ward codes, comma-separated")
    start_date: dt.datetime | None = Field(None, description="filed at or after (ISO 8601)")
    end_date: dt.datetime | None = Field(None, description="filed at or before (ISO 8601)")
    updated_after: dt.datetime | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def _page(q: ListQuery) -> queries.Page:
    f = queries.build_filters(bbox=q.bbox, status=q.status, category=q.category, ward=q.ward,
                              created_from=q.start_date, created_to=q.end_date, updated_after=q.updated_after)
    return queries.page(f, cursor=q.cursor, limit=q.limit)


@router.get("", response=ReportPage, summary="Public reports (filters, cursor pagination)", url_name="reports_list")
def list_reports(request: HttpRequest, q: Query[ListQuery]) -> HttpResponse:
    result = _page(q)
    return _json({"items": result.rows, "next_cursor": result.next_cursor})


class PointGeometry(Schema):
    type: Literal["Point"]
    coordinates: list[float]


class Feature(Schema):
    type: Literal["Feature"]
    id: str
    properties: ReportProperties
    geometry: PointGeometry | None = None


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[Feature]
    next_cursor: str | None = None


@router.get("/geojson", response=FeatureCollection, summary="Public reports as a GeoJSON FeatureCollection",
            url_name="reports_geojson")
def list_geojson(request: HttpRequest, q: Query[ListQuery]) -> HttpResponse:
    result = _page(q)
    features = []
    for props in result.rows:
        lat, lon = props.pop("lat"), props.pop("lon")
        features.append({"type": "Feature", "id": props["code"], "properties": props,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None})
    body = {"type": "FeatureCollection", "features": features, "next_cursor": result.next_cursor}
    return _json(body, content_type="application/geo+json")


class MapQuery(Schema):
    bbox: str = Field(description="min_lon,min_lat,max_lon,max_lat")
    zoom: int = Field(12, ge=0, le=22)
    status: str | None = None
    category: str | None = None


class MapPoint(Schema):
    code: str
    status: str
    category: str
    lat: float
    lon: float


class MapCluster(Schema):
    lat: float
    lon: float
    count: int


class MapOut(Schema):
    kind: Literal["points", "clusters"]
    points: list[MapPoint] | None = None
    truncated: bool | None = None
    clusters: list[MapCluster] | None = None


@router.get("/map", response=MapOut, summary="Map data: clusters when zoomed out, single reports at street zoom",
            url_name="reports_map")
def map_data(request: HttpRequest, q: Query[MapQuery]) -> HttpResponse:
    f = queries.build_filters(bbox=q.bbox, status=q.status, category=q.category)
    data = queries.map_points(f, zoom=q.zoom)
    if data["kind"] == "points":
        data["points"] = [{"code": code, "status": status, "category": category, "lat": lat, "lon": lon}
                          for code, status, category, lat, lon in data["points"]]
    return _json(data)


class NearbyOut(Schema):
    code: str
    distance_m: int
    status: str
    me_too_count: int
    description: str


@router.get("/nearby", response=list[NearbyOut],
            summary="Open reports of a category near a point (duplicate suggestions)")
def nearby(request: HttpRequest, category: str, lat: float = Query(..., ge=-90, le=90),
           lon: float = Query(..., ge=-180, le=180)) -> list[dict[str, Any]]:
    # The bounds refuse NaN and infinities too (a comparison with NaN is false).
    found = Category.objects.filter(code=category, is_active=True).values_list("pk", flat=True).first()
    if found is None:
        raise ApiError(_("Lĩnh vực không tồn tại hoặc đã ngừng dùng."))
    rows = queries.nearby_open(found, lat, lon)
    return [{"code": r["code"], "distance_m": r["distance_m"], "status": r["status"],
             "me_too_count": r["me_too_count"], "description": r["description"][:200]} for r in rows]


class ApiError(DomainError):
    code = "invalid_filter"


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
def detail(request: HttpRequest, code: str) -> HttpResponse:
    found = projections.rows(queries.public_reports().filter(code=code), projections.DETAIL,
                             extra=("id", "category_id", "attributes"))
    if not found:
        raise ReportNotFound()
    row = found[0]
    answered = Report(category_id=row.pop("category_id"), attributes=row.pop("attributes"))
    photos = (ReportPhoto.objects.filter(report_id=row.pop("id"), is_hidden=False, kind="report").order_by("id")
              .values_list("pk", flat=True))
    due = row["resolve_due_at"]
    body = {**{k: row[k] for k in projections.SUMMARY}, "category_name": row["category_name"],
            "description": row["description"], "agency": row["agency_name"],
            "overdue": bool(row["status"] in OPEN and due is not None and due < timezone.now()),
            "follower_count": row["follower_count"], "duplicate_of": row["duplicate_of"],
            "url": reverse("reports:detail", args=[row["code"]]),
            "photos": [{**projections.photo_links(pk), "kind": "report"} for pk in photos],
            "answers": [{"code": a.code, "question": a.question, "value": a.value, "text": a.text}
                        for a in catalogue.answers(answered, public=True)]}
    return _json(body)


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
    """Answers to the category's questions are sent as ``attribute[<code>]`` fields (repeated for several values);
    at most ``REPORTS_MAX_PHOTOS`` photos (more is a 400, never a silent drop)."""
    key = inputs.idempotency_key(request.headers.get("Idempotency-Key"))
    report_input = inputs.report_input(
        category=data.category, description=data.description, lat=data.lat, lon=data.lon, ward=data.ward,
        address=data.address, identity_hidden=data.identity_hidden, priority=data.priority,
        answers=inputs.attributes(request.POST), files=photos or [], channel=Channel.APP)
    result = services.submit_report(report_input, actor=request.user, idempotency_key=key, ip=client_ip(request),
                                    request=request)
    r = result.report
    return Status(201 if result.created else 200, {"code": r.code, "status": r.status, "created": result.created,
                                                   "url": reverse("reports:detail", args=[r.code])})


@router.post("/{code}/follow", auth=django_auth, summary="Follow a report (me_too=true also counts you)")
def follow(request: HttpRequest, code: str, me_too: bool = False) -> dict[str, Any]:
    r = _public_report(code)
    services.follow_report(r, actor=request.user, me_too=me_too)
    r.refresh_from_db(fields=["follower_count", "me_too_count"])
    return {"follower_count": r.follower_count, "me_too_count": r.me_too_count}
