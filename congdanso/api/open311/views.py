"""Open311 GeoReport v2 at /open311/v2/ — thin adapters over the reports app (services and queries).

service_code = category code, service_request_id = tracking code (PA-YYYY-NNNNNN), token = the report's UUID.
Extensions: ``page``/``page_size``, ``bbox``, ``updated_after``, ``extensions=true`` (extended status and the
public ``notes`` history), multipart ``media`` upload on POST, optional ``Idempotency-Key`` header.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from congdanso.agencies.queries import active_categories
from congdanso.api.integrators import authenticate
from congdanso.api.open311.render import errors, respond
from congdanso.core.errors import DomainError
from congdanso.reports import inputs, projections, queries, services
from congdanso.reports.models import CategoryAttribute, Channel, Report, ReportEvent, actor_display
from congdanso.reports.states import EVENT_LABELS, Status, open311_status

MAX_PAGE = 1000
MAX_PAGE_NUMBER = 100_000
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
    try:
        data = inputs.from_open311(post, request.FILES.getlist("media"), channel=Channel.OPEN311,
                                   source_label=integrator.name)
        key = inputs.idempotency_key(request.headers.get("Idempotency-Key"))
    except DomainError as exc:
        return errors(fmt, 400, str(exc.message))
    try:
        result = services.submit_report(data, actor=integrator, on_behalf=True,
                                        idempotency_key=key,
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


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    g = request.GET
    try:
        number = int(g.get("page") or "1")
        size = int(g.get("page_size") or str(MAX_PAGE))
    except ValueError:
        return errors(fmt, 400, _("page và page_size phải là số nguyên."))
    number, size = max(1, number), max(1, min(MAX_PAGE, size))
    if number > MAX_PAGE_NUMBER:
        return errors(fmt, 400, _("page tối đa là %(pages)s.") % {"pages": MAX_PAGE_NUMBER})
    try:
        f = queries.build_filters(codes=g.get("service_request_id"), category=g.get("service_code"),
                                  status=g.get("status"), bbox=g.get("bbox"), created_from=g.get("start_date"),
                                  created_to=g.get("end_date"), updated_after=g.get("updated_after"))
    except queries.BadFilter as exc:
        return errors(fmt, 400, str(exc.message))
    if not f.codes:
        start, end = f.created_from, f.created_to
        if start and end and end - start > dt.timedelta(days=MAX_DAYS):
            return errors(fmt, 400, _("Khoảng thời gian tối đa %(days)s ngày.") % {"days": MAX_DAYS})
        if not (start or end or f.updated_after):  # the spec's default window
            f.created_from = timezone.now() - dt.timedelta(days=MAX_DAYS)
        elif end and not start:
            f.created_from = end - dt.timedelta(days=MAX_DAYS)
    rows = queries.offset_page(f, number=number, size=size, fields=projections.OPEN311, extra=("id",))
    return respond(fmt, "service_requests", "request", _requests(rows, _base(request), g.get("extensions") == "true"))


def request_detail(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    rows = projections.rows(queries.public_reports().filter(code=code), projections.OPEN311, extra=("id",))
    if not rows:
        return errors(_fmt(fmt), 404, _("Không tìm thấy phản ánh %(code)s.") % {"code": code})
    return respond(_fmt(fmt), "service_requests", "request",
                   _requests(rows, _base(request), request.GET.get("extensions") == "true"))


def _requests(rows: list[dict[str, Any]], base: str, extensions: bool) -> list[dict[str, Any]]:
    """Open311's names for the public projection (``projections.OPEN311``) of these reports."""
    notes = _notes([row["id"] for row in rows]) if extensions and rows else {}
    return [_request(row, base, notes.get(row["id"], []) if extensions else None) for row in rows]


def _notes(report_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The public history of these reports (report id → notes), in one query."""
    found: dict[int, list[dict[str, Any]]] = {}
    events = (ReportEvent.objects.filter(report_id__in=report_ids, is_public=True).order_by("created_at", "id")
              .values_list("report_id", "kind", "to_status", "created_at", "actor_label", "message"))
    for report_id, kind, to_status, at, by, message in events:
        found.setdefault(report_id, []).append({"type": kind, "label": str(EVENT_LABELS.get(kind, kind)),
                                           "status": to_status, "datetime": at, "by": actor_display(by),
                                                "description": message})
    return found


def _status_notes(row: dict[str, Any]) -> str:
    status = row["status"]
    if status == "rejected":
        return row["reject_reason"]
    if status in ("resolved", "closed"):
        return row["resolution_note"]
    if status == "duplicate":
        return _("Trùng phản ánh khác")
    return ""


def _request(row: dict[str, Any], base: str, notes: list[dict[str, Any]] | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "service_request_id": row["code"], "status": open311_status(row["status"]),
        "status_notes": _status_notes(row), "service_name": row["category_name"],
        "service_code": row["category"], "description": row["description"],
        "agency_responsible": row["agency_name"] or "", "service_notice": "",
        "requested_datetime": row["created_at"], "updated_datetime": row["updated_at"],
        "expected_datetime": row["resolve_due_at"], "address": row["address"], "address_id": row["ward"] or "",
        "zipcode": "", "lat": row["lat"], "long": row["lon"],
        "media_url": base + reverse("reports:photo", args=[row["photo"]]) if row["photo"] else "",
    }
    if notes is not None:
        item["extended_attributes"] = {
            "detailed_status": row["status"], "detailed_status_label": str(Status(row["status"]).label),
            "url": base + reverse("reports:detail", args=[row["code"]]), "me_too_count": row["me_too_count"],
            "notes": notes,
        }
    return item
