"""Citizen pages of dossiers: the public lookup by code (``/ho-so/tra-cuu``) and by the receipt's QR code, the
applicant's own page with its timeline, and the printable receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from congdanso.core import audit
from congdanso.core.audit import client_ip
from congdanso.core.errors import DomainError
from congdanso.core.textinput import TextInputError, clean
from congdanso.dossiers import files, projections, queries, services, states, views_online
from congdanso.dossiers.errors import DossierNotFound, RatingInvalid
from congdanso.dossiers.models import Dossier, Rating, Satisfaction
from congdanso.dossiers.receipt import receipt_pdf
from congdanso.dossiers.states import EventKind, Status


def _events(dossier: Dossier) -> list[Any]:
    """The public timeline, newest first, each line with its label and who acted (an agency, never a person)."""
    events = queries.timeline(dossier)
    for event in events:
        event.label = states.EVENT_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]  # for the page
        event.by = "" if event.actor_label.startswith("@") else event.actor_label  # type: ignore[attr-defined]
    return events[::-1]


def _client(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _page(request: HttpRequest, found: services.Lookup | None, *, typed: str = "", errors: list[dict[str, str]]
          | None = None, status: int = 200, token: str = "") -> HttpResponse:
    context: dict[str, Any] = {"typed": typed[:64], "errors": errors or [], "token": token}
    if found is not None:
        dossier = found.dossier
        context.update(dossier=dossier, view=(projections.details(dossier) if found.details
                                              else projections.public(dossier)),
                       details=found.details, is_applicant=services.is_applicant(request.user, dossier),
                       events=_events(dossier) if found.details else [])
    return render(request, "dossiers/lookup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Anyone types a code and sees the public fields; the last 4 digits of the applicant's ID number (sent by POST,
    never in the address) or signing in as the applicant open the timeline."""
    data = request.POST if request.method == "POST" else request.GET
    typed = (data.get("ma") or "").strip()
    if not typed:
        errors = [{"id": "f-ma", "message": _("Hãy nhập mã hồ sơ.")}] if "ma" in data else []
        return _page(request, None, errors=errors, status=400 if errors else 200)
    return _answer(request, typed, proof=request.POST.get("proof", "") if request.method == "POST" else "")


@require_http_methods(["GET", "POST"])
def by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt's QR code opens this page (the token says nothing about other dossiers)."""
    return _answer(request, token, proof=request.POST.get("proof", "") if request.method == "POST" else "",
                   by_token=True)


def _answer(request: HttpRequest, typed: str, *, proof: str, by_token: bool = False) -> HttpResponse:
    try:
        found = services.look_up(typed, client=_client(request), proof=proof, user=request.user, by_token=by_token)
    except DomainError as exc:
        field = "f-proof" if getattr(exc, "status", 400) == 429 and proof else "f-ma"
        return _page(request, None, typed="" if by_token else typed,
                     errors=[{"id": field, "message": str(exc.message)}], status=exc.status)
    errors = []
    if found.proof_failed:
        errors = [{"id": "f-proof", "message": _("4 số cuối không khớp với giấy tờ của người nộp hồ sơ.")}]
    return _page(request, found, typed=found.dossier.code, errors=errors, status=400 if errors else 200,
                 token=typed if by_token else "")


def _own(request: HttpRequest, code: str) -> Dossier:
    """The dossier, for its applicant and its agency's staff only (a 404 for everyone else: the page does not say
    whether the code exists)."""
    try:
        dossier = services.get_dossier(code)
    except DossierNotFound as exc:
        raise Http404(str(exc.message)) from exc
    if not (services.is_applicant(request.user, dossier) or services.can_work_on(request.user, dossier)):
        raise Http404(_("Không tìm thấy hồ sơ với mã này."))
    return dossier


def _detail(request: HttpRequest, dossier: Dossier, *, errors: list[dict[str, str]] | None = None,
            status: int = 200, dropped: int = 0) -> HttpResponse:
    applicant = services.is_applicant(request.user, dossier)
    request_event = services.supplement_request(dossier) if dossier.status == Status.SUPPLEMENT else None
    return render(request, "dossiers/detail.html", {
        "dossier": dossier, "view": projections.details(dossier), "events": _events(dossier),
        "is_applicant": applicant, "files": file_groups(dossier),
        "can_rate": applicant and dossier.status in states.RATABLE
        and not Rating.objects.filter(dossier=dossier).exists(),
        "can_supplement": applicant and states.can(EventKind.SUPPLEMENT, dossier.status),
        "can_withdraw": applicant and states.can(EventKind.WITHDRAW, dossier.status),
        "supplement_request": request_event, "errors": errors or [], "dropped": dropped,
        "field_errors": views_online.by_field(errors or []), "max_mb": settings.DOSSIER_MAX_FILE_MB,
        "max_bytes": files.max_bytes()},
        status=status)


def file_groups(dossier: Dossier) -> list[dict[str, Any]]:
    """The dossier's documents grouped by the timeline line they came with (the submission, each supplement)."""
    groups: dict[int | None, dict[str, Any]] = {}
    for row in dossier.files.select_related("event").order_by("created_at", "id"):
        event = row.event
        key = event.pk if event is not None else None
        if key not in groups:
            groups[key] = {"label": states.EVENT_LABELS.get(event.kind, event.kind) if event else _("Giấy tờ"),
                           "at": event.created_at if event else row.created_at, "files": []}
        groups[key]["files"].append(row)
    return list(groups.values())


def detail(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's page of one dossier (also the agency's staff): status, dates, timeline, documents, and what
    to do next (answer a request for documents, withdraw, rate)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), views_online.RESIDENT_LOGIN)
    return _detail(request, _own(request, code))


@never_cache
@require_POST
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant answers a request for documents with the missing files (and an optional note)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), views_online.RESIDENT_LOGIN)
    dossier = _own(request, code)
    if not services.is_applicant(request.user, dossier):
        raise Http404(_("Không tìm thấy hồ sơ với mã này."))
    try:
        problem = views_online.too_many_files(request, services.SUPPLEMENT_FIELD)
        if problem is not None:
            raise problem
        note = clean(request.POST.get("message", ""), field="message", label=_("Ghi chú cho cơ quan"),
                     max_length=2000)
        services.supplement_dossier(dossier.code, actor=request.user, uploads=views_online.uploads_from(
            request, services.SUPPLEMENT_FIELD), message=note, request=request)
    except (DomainError, TextInputError) as exc:
        return _detail(request, services.get_dossier(dossier.code), errors=views_online.form_errors(exc),
                       status=getattr(exc, "status", 400), dropped=len(request.FILES.getlist("files")))
    messages.success(request, _("Đã gửi giấy tờ bổ sung. Cơ quan sẽ tiếp tục xử lý hồ sơ của bạn."))
    return redirect("dossiers:detail", code=dossier.code)


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """Rút hồ sơ: a page that asks to confirm (with an optional reason); the applicant only, while it is open."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), views_online.RESIDENT_LOGIN)
    dossier = _own(request, code)
    if not services.is_applicant(request.user, dossier):
        raise Http404(_("Không tìm thấy hồ sơ với mã này."))
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        try:
            reason = clean(request.POST.get("reason", ""), field="reason", label=_("Lý do rút hồ sơ"),
                           max_length=2000)
            services.withdraw_dossier(dossier.code, actor=request.user, message=reason, request=request)
        except (DomainError, TextInputError) as exc:
            errors = [{"field": "reason", "id": "f-reason", "message": str(exc.message)}]
            status = getattr(exc, "status", 400)
        else:
            messages.success(request, _("Đã rút hồ sơ %(code)s.") % {"code": dossier.code})
            return redirect("dossiers:detail", code=dossier.code)
    return render(request, "dossiers/withdraw.html", {
        "dossier": dossier, "can_withdraw": states.can(EventKind.WITHDRAW, dossier.status), "errors": errors,
        "field_errors": views_online.by_field(errors), "reason": request.POST.get("reason", "")}, status=status)


@never_cache
def document(request: HttpRequest, code: str, file_id: int) -> HttpResponseBase:
    """One document of the dossier, as a download, for its applicant and the agency's staff (404 for anyone else;
    every staff read is audited)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), views_online.RESIDENT_LOGIN)
    dossier = _own(request, code)
    staff = not services.is_applicant(request.user, dossier)
    try:
        row, handle = services.open_file(dossier, file_id, actor=request.user, staff=staff, request=request)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc
    return views_online.file_response(handle, row.original_name, row.content_type)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8").split("?>", 1)[-1]


def receipt(request: HttpRequest, code: str) -> HttpResponse:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả, to print (``?pdf=1``: as a PDF); its QR code opens the public
    lookup."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), views_online.RESIDENT_LOGIN)
    dossier = _own(request, code)
    if not services.is_applicant(request.user, dossier):  # a staff read of the applicant's name
        audit.record("dossier.receipt_viewed", actor=request.user, obj=dossier, request=request, code=dossier.code)
    lookup_url = request.build_absolute_uri(reverse("dossiers:token", args=[dossier.lookup_token]))
    if request.GET.get("pdf"):
        documents = list(dossier.files.order_by("created_at").values_list("label", flat=True))
        response = HttpResponse(receipt_pdf(dossier, lookup_url, documents), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="giay-tiep-nhan-{dossier.code}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "dossiers/receipt.html", {
        "dossier": dossier, "view": projections.details(dossier), "lookup_url": lookup_url,
        "qr": mark_safe(_qr_svg(lookup_url)),  # noqa: S308 - SVG made here from our own URL
        "documents": dossier.files.order_by("created_at")})


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """Đánh giá mức độ hài lòng (Decision 766): the nine criteria and the overall satisfaction, once per dossier,
    after it ends. Every missing answer is shown at once, at the top and beside its question."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), views_online.RESIDENT_LOGIN)
    dossier = _own(request, code)
    if not services.is_applicant(request.user, dossier):
        raise Http404(_("Không tìm thấy hồ sơ với mã này."))
    errors: list[dict[str, str]] = []
    chosen = {key: request.POST.get(key, "") for key, _label in states.RATING_CRITERIA}
    chosen["satisfaction"] = request.POST.get("satisfaction", "")
    status = 200
    if request.method == "POST":
        try:
            services.rate_dossier(dossier.code, scores=chosen, satisfaction=chosen["satisfaction"],
                                  comment=clean(request.POST.get("comment", ""), field="comment",
                                                label=_("Ý kiến"), max_length=2000),
                                  actor=request.user, request=request)
        except RatingInvalid as exc:
            errors = [{"id": f"q-{p.field}", "field": p.field or "", "message": str(p.message)}
                      for p in exc.problems]
            status = 400
        except (DomainError, TextInputError) as exc:
            errors = [{"id": "q-comment", "field": "comment", "message": str(exc.message)}]
            status = getattr(exc, "status", 400)
        else:
            messages.success(request, _("Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp cơ quan phục vụ tốt hơn."))
            return redirect("dossiers:detail", code=dossier.code)
    rated = Rating.objects.filter(dossier=dossier).first()
    questions = [{"key": key, "label": label, "value": chosen.get(key, ""),
                  "error": next((e["message"] for e in errors if e["field"] == key), "")}
                 for key, label in states.RATING_CRITERIA]
    return render(request, "dossiers/rate.html", {
        "dossier": dossier, "questions": questions, "scores": states.RATING_SCORES, "errors": errors,
        "chosen": chosen, "satisfactions": Satisfaction.choices, "rated": rated,
        "can_rate": dossier.status in states.RATABLE and rated is None,
        "satisfaction_error": next((e["message"] for e in errors if e["field"] == "satisfaction"), "")},
        status=status)


def stats(request: HttpRequest) -> HttpResponse:
    """Public statistics of the service per agency and month: share satisfied, average score, on-time rate."""
    return render(request, "dossiers/stats.html", {"rows": queries.service_stats(months=12)})
