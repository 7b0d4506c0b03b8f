"""Back office for incident reports: queue with filters and bulk assign, a report's workbench (receive, assign,
progress, resolve with proof, reject, transfer, merge, notes, moderation, redaction, identity), hotline entry."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from congdanso.accounts.access import staff_required
from congdanso.accounts.http import AuthenticatedRequest
from congdanso.accounts.models import StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.agencies.models import Agency, Unit
from congdanso.core.errors import DomainError
from congdanso.notifications.links import absolute
from congdanso.reports import catalogue, inputs, queries, services
from congdanso.reports.models import Channel, Report, ReportPhoto, ResponseTemplate
from congdanso.reports.photos import Upload
from congdanso.reports.states import EVENT_LABELS, TRANSITIONS, Status
from congdanso.reports.views import FIELD_ANCHORS, form_context, form_errors, grouped_categories, input_from_post


def _scope(request: AuthenticatedRequest) -> Any:
    return queries.staff_scope(request.user)


def _report_for(request: AuthenticatedRequest, pk: int) -> Report:
    report = (Report.objects.select_related("category", "ward", "agency", "assignee", "duplicate_of")
              .filter(pk=pk).first())
    if report is None:
        raise Http404
    if not (services.can_work_on(request.user, report) or has_role(request.user, Role.DATA_PROTECTION_OFFICER)):
        raise Http404
    return report


def _officers(agency_ids: set[int] | list[int]) -> list[User]:
    ids = StaffRole.objects.filter(agency_id__in=list(agency_ids), role__in=[Role.AGENCY_OFFICER, Role.AGENCY_ADMIN]
                                   ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name"))


@never_cache
@staff_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    qs = _scope(request)
    g = request.GET
    chosen = {k: g.get(k, "") for k in ("status", "category", "ward", "agency", "overdue", "q", "mine", "triage")}
    try:
        f = queries.build_filters(status=chosen["status"], category=chosen["category"], ward=chosen["ward"],
                                  agency=chosen["agency"], q=chosen["q"], overdue=bool(chosen["overdue"]),
                                  unrouted=bool(chosen["triage"]),
                                  assignee_id=request.user.pk if chosen["mine"] else None)
    except queries.BadFilter as exc:
        messages.error(request, str(exc.message))
        f = queries.Filters()
    qs = queries.apply_filters(qs, f)
    page = Paginator(qs.order_by("resolve_due_at", "id"), 50).get_page(g.get("page"))
    city = services.is_city_admin(request.user)
    agency_ids = agency_ids_of(request.user)
    query = g.copy()
    query.pop("page", None)
    context = {
        "page": page, "chosen": chosen, "query": query.urlencode(), "statuses": Status.choices,
        "groups": grouped_categories(), "units": Unit.objects.order_by("name").only("code", "name"),
        "agencies": Agency.objects.filter(is_active=True).order_by("name") if city else
        Agency.objects.filter(pk__in=agency_ids), "is_city_admin": city,
        "officers": _officers(agency_ids) if agency_ids else [], "now": timezone.now(),
        "triage_count": queries.triage_queue().count() if city else 0,
        "manages_catalogue": catalogue.can_manage_catalogue(request.user),
        "can_moderate": services.can_moderate(request.user),
    }
    return render(request, "reports/staff_queue.html", context)


@require_POST
@staff_required
def bulk_assign(request: AuthenticatedRequest) -> HttpResponse:
    assignee = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
    ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
    if assignee is None or not ids:
        messages.error(request, _("Hãy chọn phản ánh và cán bộ được giao."))
        return redirect("reports_staff:queue")
    done, failed = services.bulk_assign_reports(ids, assignee=assignee, actor=request.user)
    if done:
        messages.success(request, _("Đã giao %(n)s phản ánh cho %(name)s.") % {"n": len(done),
                                                                              "name": assignee.display_name})
    for pk, exc in failed.items():
        messages.error(request, f"#{pk}: {getattr(exc, 'message', exc)}")
    return redirect(_same_site(request, request.POST.get("next")) or "reports_staff:queue")


def _same_site(request: AuthenticatedRequest, url: str | None) -> str | None:
    """``url`` when it is a relative path on this site; None for anything else (another host, a scheme, ``//``)."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None,
                                                                        require_https=request.is_secure()):
        return url
    return None


@never_cache
@staff_required
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    events = queries.timeline(report, internal=True)
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]  # for the template
    can_work = services.can_work_on(request.user, report)
    identity = None
    if request.GET.get("identity") == "1":
        identity = services.reporter_identity(report, viewer=request.user, request=request)
        if identity is None:
            messages.error(request, _("Bạn không được xem danh tính người phản ánh này."))
    templates = ResponseTemplate.objects.filter(is_active=True).filter(
        Q(category=report.category) | Q(category__isnull=True))
    allowed = {a for a, move in TRANSITIONS.items() if report.status in move.sources}
    officers = _officers([report.agency_id]) if report.agency_id else []
    primary, others = next_actions(report, allowed, has_officers=bool(officers),
                                   city_admin=services.is_city_admin(request.user))
    context = {
        "report": report, "events": events, "photos": list(report.photos.all()), "can_work": can_work,
        "allowed": allowed, "primary": primary, "others": others,
        "officers": officers,
        # agency_id None is a valid lookup value (excludes nothing); the stubs refuse it.
        "agencies": Agency.objects.filter(is_active=True).exclude(pk=report.agency_id).order_by("name"),  # type: ignore[misc]
        "templates": templates, "identity": identity, "is_dpo": has_role(request.user, Role.DATA_PROTECTION_OFFICER),
        "is_city_admin": services.is_city_admin(request.user), "today": timezone.localdate(),
        "answers": catalogue.answers(report, public=False),
        "manages_catalogue": catalogue.can_manage_category(request.user, report.category),
        "staff": User.objects.filter(kind=UserKind.STAFF, is_active=True).order_by("full_name")
        if has_role(request.user, Role.DATA_PROTECTION_OFFICER) else [],
    }
    return render(request, "reports/staff_detail.html", context)


# The case page's one primary action per status (GOV.UK: one thing to do next); the rest go behind a menu.
PRIMARY_BY_STATUS = {
    Status.SUBMITTED: "receive", Status.TRANSFERRED: "receive", Status.REOPENED: "receive",
    Status.RECEIVED: "assign", Status.ASSIGNED: "start", Status.IN_PROGRESS: "resolve",
}
MENU_ORDER = ("forward", "receive", "assign", "start", "progress", "resolve", "reject", "transfer", "merge", "note",
              "flag", "moderate")


def next_actions(report: Report, allowed: set[str], *, has_officers: bool, city_admin: bool
                 ) -> tuple[str | None, list[str]]:
    """The primary next action for the report's state (None when nothing is due) and the other actions, in order."""
    available = set(allowed) | {"note", "flag", "moderate"}
    if report.agency_id is None:
        available.discard("receive")
        if not city_admin:
            available.discard("forward")
    else:
        available.discard("forward")
    if not has_officers:
        available.discard("assign")
    primary: str | None = "forward" if "forward" in available else PRIMARY_BY_STATUS.get(Status(report.status))
    if primary == "assign" and "assign" not in available:
        primary = "start"
    if primary not in available:
        primary = None
    return primary, [a for a in MENU_ORDER if a in available and a != primary]


def _uploads(request: AuthenticatedRequest, field: str) -> list[Upload]:
    return [Upload(f.name or "", f.read()) for f in request.FILES.getlist(field)[:6]]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _do(request: AuthenticatedRequest, pk: int, fn: Callable[[Report], Any], success: str) -> HttpResponse:
    report = _report_for(request, pk)
    try:
        fn(report)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    return redirect("reports_staff:detail", pk=pk)


@require_POST
@staff_required
def act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    p, u = request.POST, request.user
    actions: dict[str, tuple[Callable[[Report], Any], str]] = {
        "receive": (lambda r: services.receive_report(r, actor=u, request=request), _("Đã tiếp nhận.")),
        "start": (lambda r: services.start_report(r, actor=u, request=request), _("Đã bắt đầu xử lý.")),
        "assign": (lambda r: services.assign_report(
            r, assignee=User.objects.get(pk=int(p.get("assignee") or 0)), actor=u, request=request),
            _("Đã giao cán bộ.")),
        "progress": (lambda r: services.post_progress(
            r, actor=u, message=p.get("message", ""), photos=_uploads(request, "photos"),
            committed_date=_date(p.get("committed_date")), request=request), _("Đã cập nhật tiến độ.")),
        "resolve": (lambda r: services.resolve_report(
            r, actor=u, note=p.get("note", ""), photos=_uploads(request, "photos"), request=request),
            _("Đã báo kết quả xử lý.")),
        "reject": (lambda r: services.reject_report(r, actor=u, reason=p.get("reason", ""), request=request),
                   _("Đã từ chối tiếp nhận.")),
        "transfer": (lambda r: services.transfer_report(
            r, to_agency=Agency.objects.get(pk=int(p.get("agency") or 0)), reason=p.get("reason", ""), actor=u,
            request=request), _("Đã chuyển cơ quan.")),
        "forward": (lambda r: services.forward_report(
            r, agency=Agency.objects.get(pk=int(p.get("agency") or 0)), actor=u, request=request),
            _("Đã chuyển đến cơ quan xử lý.")),
        "merge": (lambda r: services.merge_report(r, into=_by_code(p.get("into", "")), actor=u, request=request),
                  _("Đã gộp phản ánh.")),
        "note": (lambda r: services.add_note(r, actor=u, text=p.get("text", ""), request=request),
                 _("Đã thêm ghi chú nội bộ.")),
        "moderate": (lambda r: services.moderate_report(
            r, actor=u, description=p.get("description"), hidden=p.get("hidden") == "1", reason=p.get("reason", ""),
            request=request), _("Đã biên tập nội dung.")),
        "flag": (lambda r: services.flag_for_moderation(r, actor=u, reason=p.get("reason", ""), request=request),
                 _("Đã gửi biên tập viên.")),
        "grant": (lambda r: services.grant_identity(
            r, grantee=User.objects.get(pk=int(p.get("grantee") or 0)), actor=u, reason=p.get("reason", ""),
            request=request), _("Đã cấp quyền xem danh tính.")),
    }
    if action not in actions:
        raise Http404
    missing = {"assign": ("assignee", _("Hãy chọn cán bộ.")), "grant": ("grantee", _("Hãy chọn cán bộ.")),
               "transfer": ("agency", _("Hãy chọn cơ quan.")), "forward": ("agency", _("Hãy chọn cơ quan."))}
    if action in missing and not p.get(missing[action][0]):  # nothing is preselected: say what to choose
        messages.error(request, missing[action][1])
        return redirect("reports_staff:detail", pk=pk)
    fn, success = actions[action]
    try:
        return _do(request, pk, fn, success)
    except (User.DoesNotExist, Agency.DoesNotExist, ValueError):
        messages.error(request, _("Dữ liệu chọn không hợp lệ."))
        return redirect("reports_staff:detail", pk=pk)


def _by_code(code: str) -> Report:
    report = Report.objects.filter(code=code.strip().upper()).first()
    if report is None:
        from congdanso.reports.errors import ReportNotFound

        raise ReportNotFound()
    return report


def _boxes(text: str) -> list[tuple[float, float, float, float]]:
    """Boxes as "x,y,w,h" percentages, one per line."""
    boxes = []
    for line in text.replace(";", "\n").splitlines():
        parts = [float(v) / 100 for v in line.replace(" ", "").split(",") if v]
        if len(parts) == 4:
            boxes.append((parts[0], parts[1], parts[2], parts[3]))
    return boxes


@require_POST
@staff_required
def photo_action(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    photo = ReportPhoto.objects.select_related("report", "report__agency").filter(pk=pk).first()
    if photo is None or not (services.can_work_on(request.user, photo.report) or services.can_moderate(request.user)):
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if request.POST.get("action") == "redact":
            services.redact_photo(photo, actor=request.user, boxes=_boxes(request.POST.get("boxes", "")),
                                  blur=request.POST.get("blur") == "1", reason=reason, request=request)
            messages.success(request, _("Đã che vùng được chọn trên ảnh."))
        else:
            hide = request.POST.get("action") == "hide"
            services.hide_photo(photo, actor=request.user, hidden=hide, reason=reason, request=request)
            messages.success(request, _("Đã ẩn ảnh.") if hide else _("Đã hiện ảnh."))
    except ValueError:
        messages.error(request, _("Vùng che phải có dạng x,y,rộng,cao (phần trăm), mỗi vùng một dòng."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    back = _same_site(request, request.POST.get("next"))
    if back:
        return redirect(back)
    return redirect("reports_staff:detail", pk=photo.report_id)


# Where each field's message is shown on the hotline form, and the order of the fields there.
CALL_ANCHORS = {**FIELD_ANCHORS, "ward": "ward", "location": "ward", "contact_name": "contact_name",
                "contact_phone": "contact_phone", "contact_email": "contact_email", "sms_consent": "sms_consent"}
CALL_ORDER = {name: i for i, name in enumerate(
    ("channel", "category", "attribute", "location", "ward", "address", "description", "photos", "contact_name",
     "contact_phone", "sms_consent", "contact_email"))}
CALL_CHANNELS = (Channel.HOTLINE, Channel.EMAIL, Channel.ZALO, Channel.WEB)


def ward_choices() -> list[tuple[str, str, str]]:
    """(code, label, search phrases) of every ward and commune for the search box: the name, the name without
    "Phường"/"Xã"/"Đặc khu", the label in the page's language and the statistics-office code."""
    out = []
    for unit in Unit.objects.order_by("name").only("code", "name"):
        bare = unit.name.split(" ", 1)[1] if unit.name.startswith(("Phường ", "Xã ")) else unit.name
        bare = bare[len("khu "):] if unit.name.startswith("Đặc khu ") else bare
        terms = dict.fromkeys([unit.label, unit.name, bare, unit.code])
        out.append((unit.code, unit.label, "|".join(terms)))
    return out


@never_cache
@staff_required
def on_behalf(request: AuthenticatedRequest) -> HttpResponse:
    """A hotline operator (or anyone taking a report by e-mail, Zalo) types it in for the caller: the place by ward
    and street (or a pin on the map when it loads), the caller's number and whether they agreed to SMS; then the
    tracking code to read out (``call_recorded``)."""
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        channel = request.POST.get("channel", Channel.HOTLINE)
        if channel not in CALL_CHANNELS:
            channel = Channel.HOTLINE
        try:
            key = inputs.idempotency_key(request.POST.get("idempotency_key"))
            data = input_from_post(request, channel=channel, on_behalf=True)
            result = services.record_call(data, actor=request.user, idempotency_key=key, request=request)
        except DomainError as exc:
            errors = form_errors(exc, request.POST.get("category", ""), anchors=CALL_ANCHORS, order=CALL_ORDER)
            status = exc.status
        else:
            return redirect("reports_staff:call_recorded", pk=result.report.pk)
    return render(request, "reports/staff_new.html", {
        **form_context(request, errors), "wards": ward_choices(),
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        "channels": [(c.value, c.label) for c in CALL_CHANNELS],
    }, status=status)


@never_cache
@staff_required
def call_recorded(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The confirmation after a hotline entry, for the officer who made it: the tracking code to read out, whether
    the caller gets it by SMS, and what happens next. Anyone else who may open the case is sent to its page; the
    rest get a 404."""
    report = Report.objects.select_related("agency", "category", "ward").filter(pk=pk).first()
    if report is None:
        raise Http404
    if report.created_by_id != request.user.pk or report.reporter_id is not None:
        _report_for(request, report.pk)  # a 404 for whoever may not open the case
        return redirect("reports_staff:detail", pk=report.pk)
    number = report.contact_phone
    return render(request, "reports/staff_call_recorded.html", {
        "report": report, "sms": report.sms_consent_at is not None and bool(number),
        "phone_end": number[-3:] if number else "", "has_phone": bool(number),
        "lookup_url": absolute(reverse("reports:lookup")),
    })
