"""Online submission pages (nộp hồ sơ trực tuyến), one question per page, each working without JavaScript:

1. ``/ho-so/nop/<procedure>`` — which case applies, and which agency or ward receives it (skipped when there is
   nothing to choose);
2. ``/ho-so/nop/<procedure>/giay-to`` — one upload per document of the case, required ones marked with "*";
3. ``/ho-so/nop/<procedure>/kiem-tra`` — check everything, declare, submit;
4. ``/ho-so/<code>/da-nop`` — the confirmation with the dossier's code.

Every answer and upload is kept in the resident's draft as they go (``services.save_draft``). A refused form shows
every problem at once: a summary at the top linking to each field, and the message beside the field.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from congdanso.accounts.models import IdentityLevel
from congdanso.core.errors import DomainError
from congdanso.dossiers import files, services
from congdanso.dossiers.errors import DossierError, FormInvalid
from congdanso.dossiers.models import Dossier, DossierDraft
from congdanso.procedures.models import Procedure

RESIDENT_LOGIN = "accounts:oidc_login"  # residents sign in with VNeID (staff have their own login)


def form_errors(exc: DomainError) -> list[dict[str, str]]:
    """Every problem of a refused form with the id of the element its link goes to (the field's name)."""
    problems = getattr(exc, "problems", [exc])
    return [{"field": getattr(p, "field", None) or "", "id": f"f-{getattr(p, 'field', None)}",
             "message": str(p.message)} for p in problems]


def by_field(errors: list[dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in errors:
        out.setdefault(error["field"], error["message"])
    return out


def masked_id(number: str) -> str:
    digits = "".join(number.split())
    return "•" * max(0, len(digits) - 4) + digits[-4:] if digits else ""


def uploads_from(request: HttpRequest, prefix: str) -> list[files.Upload]:
    """The files of the fields named ``<prefix>…``, each read up to one byte past the size limit (enough for the
    check to refuse it, never more in memory)."""
    limit = files.max_bytes() + 1
    out = []
    for key in request.FILES:
        if key.startswith(prefix):
            for upload in request.FILES.getlist(key):
                out.append(files.Upload(upload.name or "", upload.read(limit), field=key))
    return out


def too_many_files(request: HttpRequest, field: str | None) -> DossierError | None:
    if sum(len(request.FILES.getlist(key)) for key in request.FILES) > settings.DOSSIER_MAX_FILES:
        return DossierError(files.MESSAGES["too_many_files"] % {"max": settings.DOSSIER_MAX_FILES}, field=field,
                            code="file_too_many_files")
    return None


class Gate:
    """What every step needs: the procedure, its receiving agencies and the resident's draft — or the page that
    says why they cannot go on (sign in, level 2, not online here)."""

    def __init__(self, request: HttpRequest, code: str):
        self.request = request
        self.response: HttpResponse | None = None
        try:
            self.procedure: Procedure = services.online_procedure(code)
        except DossierError as exc:
            raise Http404(str(exc.message)) from exc
        if not request.user.is_authenticated:
            self.response = redirect_to_login(request.get_full_path(), RESIDENT_LOGIN)
            return
        self.target = services.online_target(self.procedure)
        if request.user.identity_level < IdentityLevel.LEVEL2:
            self.response = render(request, "dossiers/apply_blocked.html",
                                   {"procedure": self.procedure, "reason": "level"}, status=403)
        elif not self.target.available:
            self.response = render(request, "dossiers/apply_blocked.html",
                                   {"procedure": self.procedure, "reason": "target"})
        self.draft: DossierDraft | None = services.get_draft(request.user, self.procedure)

    def context(self, **extra: Any) -> dict[str, Any]:
        user = self.request.user
        return {"procedure": self.procedure, "target": self.target, "draft": self.draft,
                "applicant_name": user.full_name, "applicant_id": masked_id(user.personal_id or ""),  # type: ignore[union-attr]
                "max_mb": settings.DOSSIER_MAX_FILE_MB, "max_bytes": files.max_bytes(),
                "max_files": settings.DOSSIER_MAX_FILES, **extra}

    def has_choices(self) -> bool:
        return len(services.cases_of(self.procedure)) > 1 or len(self.target.agencies) > 1 or self.target.by_ward

    def choices_done(self) -> bool:
        try:
            services.check_draft(self.procedure, self.draft)
        except FormInvalid as exc:
            return not any(p.field in ("case", "agency", "unit") for p in exc.problems)
        return True


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, procedure: str) -> HttpResponse:
    """Step 1: the case that applies and where the dossier goes."""
    gate = Gate(request, procedure)
    if gate.response is not None:
        return gate.response
    if not gate.has_choices():
        return redirect("dossiers:apply_documents", procedure=gate.procedure.code)
    errors: list[dict[str, str]] = []
    answers = dict(gate.draft.answers) if gate.draft is not None else {}
    status = 200
    if request.method == "POST":
        answers = {"case": request.POST.get("case", ""), "agency": request.POST.get("agency", ""),
                   "unit": request.POST.get("unit", "")}
        try:
            services.save_draft(gate.procedure.code, actor=request.user, case=answers["case"],
                                agency=answers["agency"], unit=answers["unit"], require_choices=True)
        except DomainError as exc:
            errors, status = form_errors(exc), exc.status
        else:
            return redirect("dossiers:apply_documents", procedure=gate.procedure.code)
    return render(request, "dossiers/apply_choices.html", gate.context(
        cases=services.cases_of(gate.procedure), wards=services.ward_choices() if gate.target.by_ward else [],
        answers={k: str(v) for k, v in answers.items()}, errors=errors, field_errors=by_field(errors)),
        status=status)


def _document_rows(gate: Gate, errors: dict[str, str]) -> list[dict[str, Any]]:
    case = services.chosen_case(gate.procedure, gate.draft)
    uploaded = {f.document_id: f for f in gate.draft.files.all()} if gate.draft is not None else {}
    return [{"document": d, "field": f"doc-{d.pk}", "required": services.needs_upload(d), "file": uploaded.get(d.pk),
             "error": errors.get(f"doc-{d.pk}", "")} for d in services.documents_of(case)]


@never_cache
@require_http_methods(["GET", "POST"])
def apply_documents(request: HttpRequest, procedure: str) -> HttpResponse:
    """Step 2: one upload per document; "Lưu và tiếp tục" checks that every required one is there."""
    gate = Gate(request, procedure)
    if gate.response is not None:
        return gate.response
    if not gate.choices_done():
        return redirect("dossiers:apply", procedure=gate.procedure.code)
    errors: list[dict[str, str]] = []
    status = 200
    dropped = 0
    if request.method == "POST":
        remove = [int(v) for v in request.POST.getlist("remove") if v.isdigit()]
        saved = False
        try:
            problem = too_many_files(request, None)
            if problem is not None:
                raise problem
            uploads = uploads_from(request, "doc-")
            services.save_draft(gate.procedure.code, actor=request.user, uploads=uploads, remove=remove)
            saved = True
            gate.draft = services.get_draft(request.user, gate.procedure)
            if request.POST.get("next") == "review" and not remove:
                services.check_draft(gate.procedure, gate.draft)
                return redirect("dossiers:apply_review", procedure=gate.procedure.code)
        except DomainError as exc:
            errors, status = form_errors(exc), exc.status
            # nothing of a refused request is stored: the files chosen must be chosen again
            dropped = 0 if saved else sum(1 for key in request.FILES if key.startswith("doc-"))
        else:
            if remove:
                messages.success(request, _("Đã xóa tệp."))
            else:
                messages.success(request, _("Đã lưu bản nháp. Bạn có thể quay lại hoàn thành sau."))
            return redirect("dossiers:apply_documents", procedure=gate.procedure.code)
    field_errors = by_field(errors)
    return render(request, "dossiers/apply_documents.html", gate.context(
        rows=_document_rows(gate, field_errors), case=services.chosen_case(gate.procedure, gate.draft),
        has_choices=gate.has_choices(), errors=errors, field_errors=field_errors, dropped=dropped), status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def apply_review(request: HttpRequest, procedure: str) -> HttpResponse:
    """Step 3: everything on one page, each part with "Thay đổi"; the declaration; "Nộp hồ sơ"."""
    gate = Gate(request, procedure)
    if gate.response is not None:
        return gate.response
    try:
        ready = services.check_draft(gate.procedure, gate.draft)
    except FormInvalid:
        step = "dossiers:apply" if not gate.choices_done() else "dossiers:apply_documents"
        return redirect(step, procedure=gate.procedure.code)
    errors: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        if request.POST.get("declare") != "1":
            errors = [{"field": "declare", "id": "f-declare",
                       "message": _("Hãy xác nhận lời cam đoan trước khi nộp hồ sơ.")}]
            status = 400
        else:
            try:
                dossier = services.submit_online(gate.procedure.code, actor=request.user, request=request)
            except DomainError as exc:
                errors, status = form_errors(exc), exc.status
            else:
                return redirect("dossiers:submitted", code=dossier.code)
    unit = None
    if gate.target.by_ward:
        unit = ready.agency.unit
    return render(request, "dossiers/apply_review.html", gate.context(
        ready=ready, unit=unit, cases=services.cases_of(gate.procedure), has_choices=gate.has_choices(),
        errors=errors, field_errors=by_field(errors)), status=status)


@never_cache
@require_POST
def apply_discard(request: HttpRequest, procedure: str) -> HttpResponse:
    """Start over: the draft and its files are deleted."""
    gate = Gate(request, procedure)
    if gate.response is not None:
        return gate.response
    services.discard_draft(gate.procedure.code, actor=request.user)
    messages.success(request, _("Đã xóa bản nháp."))
    return redirect("procedures:detail", code=gate.procedure.code)


@never_cache
def draft_file(request: HttpRequest, procedure: str, file_id: int) -> HttpResponseBase:
    """A file of the resident's own draft, to check what they uploaded (nobody else's: 404)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), RESIDENT_LOGIN)
    try:
        row, handle = services.open_draft_file(services.online_procedure(procedure), file_id, actor=request.user)
    except DossierError as exc:
        raise Http404(str(exc.message)) from exc
    return file_response(handle, row.original_name, row.content_type)


def file_response(handle: Any, name: str, content_type: str) -> FileResponse:
    """A stored document as a download: never shown inline, never sniffed, never cached by a shared cache."""
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
def submitted(request: HttpRequest, code: str) -> HttpResponse:
    """Step 4: the confirmation, with the code to keep and what happens next (the applicant only)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), RESIDENT_LOGIN)
    dossier = Dossier.objects.select_related("procedure", "agency").filter(code=code).first()
    if dossier is None or not services.is_applicant(request.user, dossier):
        raise Http404(_("Không tìm thấy hồ sơ với mã này."))
    return render(request, "dossiers/submitted.html", {
        "dossier": dossier, "files": dossier.files.order_by("created_at", "id")})
