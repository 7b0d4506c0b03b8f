"""Open311 GeoReport v2 at /open311/v2/ — thin adapters over the reports app (services and queries).

service_code = category code, service_request_id = tracking code (PA-YYYY-NNNNNN), token = the report's UUID.
Extensions: ``page``/``page_size``, ``bbox``, ``updated_after``, ``extensions=true`` (extended status and the
public ``notes`` history), multipart ``media`` upload on POST, optional ``Idempotency-Key`` header.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from congdanso.agencies.queries import active_categories
from congdanso.api.integrators import authenticate
from congdanso.api.open311.render import errors, respond
from congdanso.core.errors import DomainError
from congdanso.lib.geo import BBox
from congdanso.reports import services
from congdanso.reports.models import CategoryAttribute, Channel, Report, ReportEvent, ReportPhoto
from congdanso.reports.photos import Upload
from congdanso.reports.states import EVENT_LABELS, FINISHED, OPEN, open311_status

MAX_PAGE = 1000
MAX_DAYS = 90


def _fmt(fmt: str) -> str:
    return "json" if fmt == "json" else "xml"


def _base(request: HttpRequest) -> str:
    return (settings.SITE_URL.rstrip("/") if settings.SITE_URL else request.build_absolute_uri("/").rstrip("/"))


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = _base(request) + reverse("open311:root")
    payload = {
        "changeset": timezone.now().replace(microsecond=0),
        "contact": _("Công Dân Số — %(city)s") % {"city": settings.CITY_NAME},
        "key_service": _("Khoá api_key do quản trị cấp (manage.py create_integrator)."),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": base, "changeset":
            timezone.now().replace(microsecond=0), "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(_fmt(fmt), "discovery", None, payload)


def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    with_attributes = set(CategoryAttribute.objects.values_list("category_id", flat=True))
    payload = [{
        "service_code": c.code, "service_name": c.name, "description": f"{c.group} — {c.name}",
        "metadata": c.pk in with_attributes, "type": "realtime", "keywords": c.group, "group": c.group,
    } for c in active_categories()]
    return respond(_fmt(fmt), "services", "service", payload)


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = active_categories().filter(code=code).first()
    if category is None:
        return errors(_fmt(fmt), 404, _("Không có dịch vụ (lĩnh vực) mã %(code)s.") % {"code": code})
    attributes = [{
        "variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
        "datatype_description": "", "order": a.order, "description": a.description,
        "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.values or []],
    } for a in CategoryAttribute.objects.filter(category=category).order_by("order", "code")]
    return respond(_fmt(fmt), "service_definition", None, {"service_code": category.code,
                                                            "attributes": attributes})


# --- requests -----------------------------------------------------------------------------------------------------

def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@csrf_exempt
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, _fmt(fmt))
    if request.method != "GET":
        return errors(_fmt(fmt), 400, _("Phương thức không được hỗ trợ."))
    return _search(request, _fmt(fmt))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    integrator = authenticate(post.get("api_key") or request.GET.get("api_key"))
    if integrator is None:
        return errors(fmt, 403, _("api_key không hợp lệ."))
    if not post.get("service_code"):
        return errors(fmt, 400, _("Thiếu service_code."))
    lat, lon = _float(post.get("lat")), _float(post.get("long"))
    if (post.get("lat") and lat is None) or (post.get("long") and lon is None):
        return errors(fmt, 400, _("lat/long không hợp lệ."))
    attributes = {key[len("attribute["):-1]: (post.getlist(key) if len(post.getlist(key)) > 1 else post[key])
                  for key in post if key.startswith("attribute[") and key.endswith("]")}
    ward = attributes.pop("ward", None) or post.get("address_id") or None
    description = post.get("description", "")
    if len(description) > 4000:
        return errors(fmt, 400, _("Nội dung tối đa 4000 ký tự."))
    if post.get("media_url"):
        attributes["media_url"] = post["media_url"][:500]
    uploads = [Upload(f.name or "", f.read())
               for f in request.FILES.getlist("media")[: settings.REPORTS_MAX_PHOTOS + 1]]
    name = " ".join(p for p in (post.get("first_name", ""), post.get("last_name", "")) if p).strip()
    data = services.ReportInput(
        category=post["service_code"], description=description, lat=lat, lon=lon,
        ward=ward if isinstance(ward, str) else None,
        address=post.get("address_string", ""), attributes=attributes, photos=uploads, channel=Channel.OPEN311,
        contact_name=name, contact_phone=post.get("phone", ""), contact_email=post.get("email", ""),
        source_label=integrator.name,
    )
    try:
        result = services.submit_report(data, actor=integrator, on_behalf=True,
                                        idempotency_key=request.headers.get("Idempotency-Key") or None,
                                        key_scope=f"o311-{integrator.pk}", request=request)
    except DomainError as exc:
        status = exc.status if exc.status in (400, 403, 404) else 400
        if exc.code == "unknown_category":
            status = 404
        return errors(fmt, status, str(exc.message))
    report = result.report
    return respond(fmt, "service_requests", "request", [{
        "service_request_id": report.code, "token": str(report.uuid),
        "service_notice": _("Hạn trả kết quả: %(due)s") % {"due": timezone.localtime(report.resolve_due_at)
                                                          .strftime("%H:%M %d/%m/%Y")},
        "account_id": None,
    }], status=201 if result.created else 200)


def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    report = Report.objects.filter(uuid=token).only("code").first() if _is_uuid(token) else None
    if report is None:
        return errors(_fmt(fmt), 404, _("Không tìm thấy token."))
    return respond(_fmt(fmt), "service_requests", "request", [{"service_request_id": report.code, "token": token}])


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError:
            raise ValueError(value) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    g = request.GET
    qs = Report.objects.filter(is_hidden=False)
    try:
        start, end = _date(g.get("start_date")), _date(g.get("end_date"))
        updated_after = _date(g.get("updated_after"))
        page = max(1, int(g.get("page", "1")))
        page_size = max(1, min(MAX_PAGE, int(g.get("page_size", str(MAX_PAGE)))))
        bbox = BBox.parse(g["bbox"]) if g.get("bbox") else None
    except (ValueError, TypeError):
        return errors(fmt, 400, _("Tham số không hợp lệ (ngày ISO 8601, page, page_size, bbox)."))
    ids = [i.strip() for i in g.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(code__in=ids)
    else:
        if start and end and (end - start) > dt.timedelta(days=MAX_DAYS):
            return errors(fmt, 400, _("Khoảng thời gian tối đa %(days)s ngày.") % {"days": MAX_DAYS})
        if not (start or end or updated_after):
            start = timezone.now() - dt.timedelta(days=MAX_DAYS)
        elif end and not start:
            start = end - dt.timedelta(days=MAX_DAYS)
        if start:
            qs = qs.filter(created_at__gte=start)
        if end:
            qs = qs.filter(created_at__lte=end)
        if updated_after:
            qs = qs.filter(updated_at__gt=updated_after)
        codes = [c.strip() for c in g.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        status = [s.strip() for s in g.get("status", "").split(",") if s.strip()]
        wanted: set[str] = set()
        for s in status:
            if s == "open":
                wanted |= set(OPEN)
            elif s == "closed":
                wanted |= set(FINISHED)
            else:
                return errors(fmt, 400, _("status phải là open hoặc closed."))
        if wanted:
            qs = qs.filter(status__in=sorted(wanted))
        if bbox is not None:
            qs = qs.filter(lat__gte=bbox.min_lat, lat__lte=bbox.max_lat, lon__gte=bbox.min_lon,
                           lon__lte=bbox.max_lon)
    extensions = g.get("extensions") == "true"
    qs = qs.select_related("category", "agency", "ward").order_by("-created_at", "-id")
    qs = qs.prefetch_related(Prefetch("photos", queryset=ReportPhoto.objects.filter(is_hidden=False, kind="report"),
                                      to_attr="public_photos"))
    if extensions:
        qs = qs.prefetch_related(Prefetch("events", queryset=ReportEvent.objects.filter(is_public=True)
                                          .order_by("created_at", "id"), to_attr="public_events"))
    rows = list(qs[(page - 1) * page_size: page * page_size])
    base = _base(request)
    return respond(fmt, "service_requests", "request", [_request(r, base, extensions) for r in rows])


def request_detail(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    qs = (Report.objects.filter(Q(code=code), is_hidden=False).select_related("category", "agency", "ward")
          .prefetch_related(Prefetch("photos", queryset=ReportPhoto.objects.filter(is_hidden=False, kind="report"),
                                     to_attr="public_photos"),
                            Prefetch("events", queryset=ReportEvent.objects.filter(is_public=True)
                                     .order_by("created_at", "id"), to_attr="public_events")))
    report = qs.first()
    if report is None:
        return errors(_fmt(fmt), 404, _("Không tìm thấy phản ánh %(code)s.") % {"code": code})
    return respond(_fmt(fmt), "service_requests", "request",
                   [_request(report, _base(request), request.GET.get("extensions") == "true")])


def _status_notes(report: Report) -> str:
    if report.status == "rejected":
        return report.reject_reason
    if report.status in ("resolved", "closed"):
        return report.resolution_note
    if report.status == "duplicate" and report.duplicate_of_id:
        return _("Trùng phản ánh khác")
    return ""


def _request(report: Report, base: str, extensions: bool) -> dict[str, Any]:
    photos = getattr(report, "public_photos", [])
    item: dict[str, Any] = {
        "service_request_id": report.code, "status": open311_status(report.status),
        "status_notes": _status_notes(report), "service_name": report.category.name,
        "service_code": report.category.code, "description": report.description,
        "agency_responsible": report.agency.name if report.agency else "", "service_notice": "",
        "requested_datetime": report.created_at, "updated_datetime": report.updated_at,
        "expected_datetime": report.resolve_due_at, "address": report.address, "address_id": report.ward.code
        if report.ward else "", "zipcode": "", "lat": report.lat, "long": report.lon,
        "media_url": base + reverse("reports:photo", args=[photos[0].pk]) if photos else "",
    }
    if extensions:
        item["extended_attributes"] = {
            "detailed_status": report.status, "detailed_status_label": str(report.get_status_display()),
            "url": base + reverse("reports:detail", args=[report.code]), "me_too_count": report.me_too_count,
            "notes": [{"type": e.kind, "label": str(EVENT_LABELS.get(e.kind, e.kind)), "status": e.to_status,
                       "datetime": e.created_at, "by": e.actor_name, "description": e.message}
                      for e in getattr(report, "public_events", [])],
        }
    return item
