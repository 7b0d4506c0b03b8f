"""Citizen pages of incident reports: new report, report page with timeline, my reports, public list and map."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from congdanso.agencies.models import Unit
from congdanso.agencies.queries import active_categories
from congdanso.core.audit import client_ip
from congdanso.core.errors import DomainError
from congdanso.reports import inputs, projections, queries, services, sla
from congdanso.reports.models import CategoryAttribute, Channel, ReportPhoto
from congdanso.reports.states import EVENT_LABELS, OPEN, Status

LOGIN = "accounts:oidc_login"


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if -180 <= number <= 180 else None


def grouped_categories() -> list[tuple[str, list[Any]]]:
    return [(group, list(items)) for group, items in groupby(active_categories(), key=lambda c: c.group)]


def map_settings() -> dict[str, str]:
    return {"tile_url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION,
            "bbox": settings.REPORTS_CITY_BBOX}


def input_from_post(request: HttpRequest, *, channel: str = Channel.WEB, on_behalf: bool = False
                    ) -> services.ReportInput:
    """The form's fields through the shared report-input parser (raises DomainError: call it inside the try)."""
    return inputs.from_form(request.POST, request.FILES.getlist("photos"), channel=channel, on_behalf=on_behalf)


# --- new report ---------------------------------------------------------------------------------------------------

# Where each input field's message is shown: the id of the element the error summary links to.
FIELD_ANCHORS = {"category": "category", "description": "description", "location": "ward", "ward": "ward",
                 "address": "address", "photos": "photos"}


PAGE_ORDER = {name: i for i, name in enumerate(
    ("category", "attribute", "location", "ward", "address", "description", "photos"))}


def form_errors(exc: DomainError, category: str, *, anchors: dict[str, str] | None = None,
                order: dict[str, int] | None = None) -> list[dict[str, str]]:
    """Every problem of a refused form, each with its field and the id of the element its link goes to (an answer
    to a category question, ``attribute[code]``, is ``attr-<category>-<code>``); a problem of no field has none.
    ``anchors`` and ``order``: another form's field ids and order (the hotline form's)."""
    anchors = FIELD_ANCHORS if anchors is None else anchors
    order = PAGE_ORDER if order is None else order
    out = []
    for problem in getattr(exc, "problems", [exc]):
        field = getattr(problem, "field", None) or ""
        anchor = anchors.get(field, "")
        if field.startswith("attribute[") and category:
            anchor = f"attr-{category}-{field[len('attribute['):-1]}"
        out.append({"field": field, "id": anchor, "message": str(problem.message)})
    return sorted(out, key=lambda e: order.get(e["field"].split("[")[0], len(order)))  # as on the page


@never_cache
@login_required(login_url=LOGIN)
def new_report(request: HttpRequest) -> HttpResponse:
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        channel = Channel.APP if request.POST.get("channel") == "app" else Channel.WEB
        try:
            key = inputs.idempotency_key(request.POST.get("idempotency_key") or request.headers.get("Idempotency-Key"))
            result = services.submit_report(input_from_post(request, channel=channel), actor=request.user,
                                            idempotency_key=key, ip=client_ip(request), request=request)
        except DomainError as exc:
            errors = form_errors(exc, request.POST.get("category", ""))
            if _wants_json(request):
                return JsonResponse({**exc.as_dict(), "errors": errors}, status=exc.status)
            status = exc.status
        else:
            url = reverse("reports:sent", args=[result.report.code])
            if _wants_json(request):
                return JsonResponse({"code": result.report.code, "url": url, "created": result.created},
                                    status=201 if result.created else 200)
            return redirect(url)
    context = {
        **form_context(request, errors),
        "units": Unit.objects.order_by("name").only("code", "name"),
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
    }
    return render(request, "reports/new.html", context, status=status)


def form_context(request: HttpRequest, errors: list[dict[str, str]]) -> dict[str, Any]:
    """What the report forms share (the resident's and the hotline officer's): categories and their questions, the
    map, the photo limits, the posted values and the errors, each message once beside its field (a ward's is the
    place's)."""
    attributes: dict[str, list[Any]] = {}
    for attribute in CategoryAttribute.objects.select_related("category").order_by("order", "code"):
        attributes.setdefault(attribute.category.code, []).append(attribute)
    field_errors: dict[str, str] = {}
    for error in errors:
        field_errors.setdefault("location" if error["field"] == "ward" else error["field"], error["message"])
    return {
        "groups": grouped_categories(),
        "attribute_sets": [(code, items[0].category.label, items) for code, items in attributes.items()],
        "form": request.POST, "errors": errors, "field_errors": field_errors, "map": map_settings(),
        "photos_dropped": len(request.FILES.getlist("photos")) if errors else 0,
        "max_photos": settings.REPORTS_MAX_PHOTOS, "max_mb": settings.REPORTS_MAX_PHOTO_MB,
        "max_bytes": settings.REPORTS_MAX_PHOTO_MB * 1024 * 1024,
    }


@never_cache
@login_required(login_url=LOGIN)
def sent(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation after sending: the tracking code to keep, what happens next and by when (the reporter only;
    anyone else is sent to the report's page)."""
    report = _visible(request, code)
    if report.reporter_id != request.user.pk:
        return redirect("reports:detail", code=report.code)
    return render(request, "reports/sent.html", {"report": report})


def lookup(request: HttpRequest) -> HttpResponse:
    """"Tra cứu phản ánh": a tracking code typed by anyone (case, spaces and a missing "PA-" forgiven) → its page."""
    typed = request.GET.get("ma", "")
    code = queries.normalise_code(typed)
    error = ""
    if typed.strip():
        found = queries.by_code(code) if code else None
        if found is not None and (not found.is_hidden or services.can_work_on(request.user, found)):
            return redirect("reports:detail", code=found.code)
        error = _("Không tìm thấy phản ánh có mã “%(code)s”. Hãy kiểm tra lại mã (dạng PA-2026-000123).") % {
            "code": typed.strip()[:40]}
    else:
        error = _("Hãy nhập mã phản ánh.") if "ma" in request.GET else ""
    return render(request, "reports/lookup.html", {"typed": typed[:40], "error": error},
                  status=404 if error and typed.strip() else 200)


@require_GET
def place(request: HttpRequest) -> JsonResponse:
    """The ward of a pinned point, shown back to the resident (from boundaries, or a guess from nearby reports)."""
    lat, lon = _float(request.GET.get("lat")), _float(request.GET.get("lon"))
    found = queries.ward_at(lat, lon) if lat is not None and lon is not None and abs(lat) <= 90 else None
    if found is None:
        return JsonResponse({"ward": None})
    unit, source = found
    return JsonResponse({"ward": unit.code, "name": unit.label, "source": source})


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """"Is it one of these?": open reports of the same category near the chosen point (htmx fragment)."""
    lat, lon = _float(request.GET.get("lat")), _float(request.GET.get("lon"))
    category = active_categories().filter(code=request.GET.get("category", "")).first()
    rows = queries.nearby_open(category.pk, lat, lon) if (category and lat is not None and lon is not None) else []
    return render(request, "reports/_nearby.html", {"rows": rows})


# --- public pages -------------------------------------------------------------------------------------------------

def _filters_from(request: HttpRequest) -> tuple[queries.Filters, dict[str, str]]:
    chosen = {k: request.GET.get(k, "") for k in ("status", "category", "ward", "q")}
    try:
        f = queries.build_filters(status=chosen["status"], category=chosen["category"], ward=chosen["ward"],
                                  q=chosen["q"])
    except queries.BadFilter as exc:
        messages.error(request, str(exc.message))
        f = queries.Filters()
    return f, chosen


def report_list(request: HttpRequest) -> HttpResponse:
    f, chosen = _filters_from(request)
    try:
        result = queries.page(f, cursor=request.GET.get("cursor") or None, limit=20, fields=projections.PAGE_LIST)
    except queries.BadFilter as exc:
        raise Http404 from exc
    now = timezone.now()
    groups = grouped_categories()
    labels = {c.code: c.label for _group, items in groups for c in items}
    units = list(Unit.objects.order_by("name").only("code", "name"))
    ward_labels = {u.code: u.label for u in units}
    for row in result.rows:
        row["status_label"] = Status(row["status"]).label
        row["category_label"] = labels.get(row["category"], row["category_name"])
        row["ward_name"] = ward_labels.get(row["ward"], row["ward_name"])
        row["overdue"] = row["status"] in OPEN and row["resolve_due_at"] and row["resolve_due_at"] < now
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"rows": result.rows, "next_cursor": result.next_cursor, "chosen": chosen, "query": query.urlencode(),
               "groups": groups, "units": units,
               "statuses": Status.choices, "map": map_settings()}
    template = "reports/_list_rows.html" if request.headers.get("HX-Request") and request.GET.get("cursor") \
        else "reports/list.html"
    return render(request, template, context)


def _visible(request: HttpRequest, code: str) -> Any:
    report = queries.by_code(code)
    if report is None:
        raise Http404
    if report.is_hidden and not services.can_work_on(request.user, report):
        raise Http404
    return report


def report_detail(request: HttpRequest, code: str) -> HttpResponse:
    report = _visible(request, code)
    user = request.user
    is_reporter = user.is_authenticated and report.reporter_id == user.pk
    follow = report.follows.filter(user=user).first() if user.is_authenticated else None
    window_until = sla.confirm_until(report.resolved_at) if report.resolved_at else None
    can_answer = bool(is_reporter and report.status == Status.RESOLVED and window_until
                      and timezone.now() <= window_until)
    events = queries.timeline(report)
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]  # for the template
        event.visible_photos = [p for p in event.photos.all() if not p.is_hidden]  # type: ignore[attr-defined]
    context = {
        "report": report, "events": events, "photos": [p for p in queries.public_photos(report)
                                                          if p.kind == "report"],
        "is_reporter": is_reporter, "follow": follow, "can_answer": can_answer, "window_until": window_until,
        "map": map_settings(), "duplicate_of": report.duplicate_of,
    }
    return render(request, "reports/detail.html", context)


def _act(request: HttpRequest, code: str, action: Any, success: str) -> HttpResponse:
    report = _visible(request, code)
    try:
        action(report)
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse(exc.as_dict(), status=exc.status)
        messages.error(request, str(exc.message))
    else:
        if _wants_json(request):
            return JsonResponse({"ok": True})
        messages.success(request, success)
    return redirect("reports:detail", code=report.code)


@require_POST
@login_required(login_url=LOGIN)
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, lambda r: services.confirm_report(r, actor=request.user, request=request),
                _("Cảm ơn bạn đã xác nhận kết quả."))


@require_POST
@login_required(login_url=LOGIN)
def dispute(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, lambda r: services.dispute_report(r, actor=request.user,
                                                                 reason=request.POST.get("reason", ""),
                                                                 request=request),
                _("Phản ánh đã được mở lại và chuyển lại cơ quan xử lý."))


@require_POST
@login_required(login_url=LOGIN)
def follow(request: HttpRequest, code: str) -> HttpResponse:
    if request.POST.get("unfollow"):
        return _act(request, code, lambda r: services.unfollow_report(r, actor=request.user),
                    _("Đã bỏ theo dõi."))
    me_too = request.POST.get("me_too") == "1"
    return _act(request, code, lambda r: services.follow_report(r, actor=request.user, me_too=me_too),
                _("Cảm ơn, đã ghi nhận bạn cũng gặp sự việc này.") if me_too else _("Đã theo dõi phản ánh."))


@never_cache
@login_required(login_url=LOGIN)
def my_reports(request: HttpRequest) -> HttpResponse:
    mine = Paginator(queries.my_reports(request.user), 20).get_page(request.GET.get("page"))
    followed = queries.followed_reports(request.user)[:50]
    return render(request, "reports/mine.html", {"mine": mine, "followed": followed})


def photo(request: HttpRequest, pk: int, size: str = "full") -> FileResponse:
    found = ReportPhoto.objects.select_related("report", "report__agency").filter(pk=pk).first()
    if found is None:
        raise Http404
    public = not found.is_hidden and not found.report.is_hidden
    if not public and not services.can_work_on(request.user, found.report):
        raise Http404
    name = found.thumbnail.name if size == "thumb" else found.image.name
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
