"""Online submission (nộp hồ sơ trực tuyến) by a level-2 resident, and the applicant's answers afterwards.

- **Where it goes** (``online_target``): the procedure's performing agency when the catalogue links it to an agency
  of the platform (one, or the resident picks among several); otherwise, for a commune-level procedure, the People's
  Committee of the ward the resident picks. A procedure with neither is submitted on the national portal.
- **Draft** (``save_draft``): one per resident and procedure, kept until submitted or discarded (or
  ``DOSSIER_DRAFT_DAYS`` untouched): the case that applies, the agency or ward, and the documents already uploaded.
- **Submit** (``submit_online``): level 2 required; the applicant's name and ID number come from the account; every
  required document present; in one transaction the dossier (status 1, channel online) is created with its files
  and the draft is deleted; the applicant is told (``_tell``).
- **Supplement** (``supplement_dossier``): the applicant answers a request for documents (status 5) with files,
  which are attached to that timeline line; the dossier goes back to where it was.
- **Withdraw**: ``withdraw_dossier`` (common), with an optional reason.

Every upload is checked (``files.check_all``) before anything is written; files are written inside the transaction
and deleted again if it fails (``files.files_cleanup``), so a refused request stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congdanso.accounts.actors import Actor, signed_in
from congdanso.accounts.models import IdentityLevel, User
from congdanso.accounts.services import require_identity_level
from congdanso.agencies.models import Agency, AgencyKind, Unit
from congdanso.agencies.queries import ward_committee
from congdanso.core import audit
from congdanso.core.cache import count
from congdanso.dossiers import files
from congdanso.dossiers.errors import DossierError, FormInvalid, NotAllowed
from congdanso.dossiers.models import (
    ApplicantKind,
    Dossier,
    DossierDraft,
    DossierEvent,
    DossierFile,
    DraftFile,
    SubmissionChannel,
)
from congdanso.dossiers.services.common import (
    DossierInput,
    _locked,
    _transition,
    create_dossier,
    is_applicant,
)
from congdanso.dossiers.states import EventKind, Status
from congdanso.procedures.models import (
    AgencyRole,
    DocumentCase,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureDocument,
)

K = EventKind


# --- where an online dossier goes ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OnlineTarget:
    agencies: list[Agency] = field(default_factory=list)  # the performing agencies on the platform
    by_ward: bool = False  # a commune-level procedure: the resident picks the ward whose committee receives it

    @property
    def available(self) -> bool:
        return bool(self.agencies) or self.by_ward


def online_target(procedure: Procedure) -> OnlineTarget:
    if procedure.online_level == OnlineLevel.NONE:
        return OnlineTarget()
    rows = list(procedure.agencies.filter(role=AgencyRole.PERFORMING).order_by("id"))
    linked = {row.agency_id for row in rows if row.agency_id}
    codes = {row.code for row in rows if row.code and not row.agency_id}  # imported before the agency existed
    agencies = list(Agency.objects.filter(is_active=True).filter(pk__in=linked) |
                    Agency.objects.filter(is_active=True, code__in=codes))
    if agencies:
        return OnlineTarget(agencies=sorted(agencies, key=lambda a: a.name))
    return OnlineTarget(by_ward=procedure.level == Level.COMMUNE)


def ward_choices() -> list[Unit]:
    """The wards (phường, xã, đặc khu) whose People's Committee is on the platform, by name."""
    return list(Unit.objects.filter(agencies__kind=AgencyKind.WARD_COMMITTEE, agencies__is_active=True)
                .distinct().order_by("name"))


# --- the form: cases and documents ---------------------------------------------------------------------------------

def needs_upload(document: ProcedureDocument) -> bool:
    """A required paper to hand in (an original or a copy). One only shown at the desk ("xuất trình": no original,
    no copy — an identity card, which the VNeID login stands for online) may be uploaded but is not required."""
    return document.required and bool(document.originals or document.copies)


def cases_of(procedure: Procedure) -> list[DocumentCase]:
    return list(procedure.cases.prefetch_related("documents").order_by("number"))


def chosen_case(procedure: Procedure, draft: DossierDraft | None) -> DocumentCase | None:
    """The case the resident chose; the only case when there is one."""
    cases = cases_of(procedure)
    if len(cases) == 1:
        return cases[0]
    number = (draft.answers.get("case") if draft is not None else None)
    return next((c for c in cases if c.number == number), None)


def documents_of(case: DocumentCase | None) -> list[ProcedureDocument]:
    return sorted(case.documents.all(), key=lambda d: d.number) if case is not None else []


# --- drafts --------------------------------------------------------------------------------------------------------

def online_procedure(code: str) -> Procedure:
    """An active procedure that can be submitted online here (404 otherwise)."""
    procedure = Procedure.objects.filter(code=code, is_active=True).first()
    if procedure is None or procedure.online_level == OnlineLevel.NONE:
        raise DossierError(_("Thủ tục này không nhận hồ sơ trực tuyến."), code="not_online", status=404)
    return procedure


def _resident(actor: Actor) -> User:
    if not signed_in(actor):
        raise NotAllowed()
    require_identity_level(actor, IdentityLevel.LEVEL2)
    return actor


def get_draft(actor: Actor, procedure: Procedure) -> DossierDraft | None:
    if not signed_in(actor):
        return None
    return DossierDraft.objects.filter(user=actor, procedure=procedure).prefetch_related("files").first()


def _count_uploads(user: User, n: int) -> None:
    """``DOSSIER_UPLOADS_PER_HOUR`` files per resident per hour (bad ones count too)."""
    limit = settings.DOSSIER_UPLOADS_PER_HOUR
    if not n or not limit:
        return
    hour = int(timezone.now().timestamp() // 3600)
    if count([f"dossier-uploads:{user.pk}:{hour}"], 3700, delta=n)[0] > limit:
        raise DossierError(_("Bạn đã tải lên quá nhiều tệp trong một giờ. Vui lòng thử lại sau."),
                           code="rate_limited", status=429)


def _document_of(field_name: str, documents: list[ProcedureDocument]) -> ProcedureDocument | None:
    """``doc-<id>`` → the document of the chosen case with that id."""
    ident = field_name.removeprefix("doc-")
    return next((d for d in documents if str(d.pk) == ident), None)


def _check_choices(procedure: Procedure, case: Any, agency: str, unit: str, *, required: bool
                   ) -> dict[str, Any]:
    """The answers, checked against the catalogue; every problem at once (missing ones only when ``required``)."""
    problems: list[DossierError] = []
    answers: dict[str, Any] = {}
    cases = cases_of(procedure)
    if len(cases) > 1:
        number = int(case) if str(case or "").isdigit() else None
        if number is not None and any(c.number == number for c in cases):
            answers["case"] = number
        elif required or case not in (None, ""):
            problems.append(DossierError(_("Hãy chọn trường hợp của bạn."), field="case", code="case_required"))
    target = online_target(procedure)
    if len(target.agencies) > 1:
        if agency and any(a.code == agency for a in target.agencies):
            answers["agency"] = agency
        elif required or agency:
            problems.append(DossierError(_("Hãy chọn cơ quan nhận hồ sơ."), field="agency", code="agency_required"))
    elif target.by_ward:
        if unit and ward_committee(Unit.objects.filter(code=unit).first()) is not None:
            answers["unit"] = unit
        elif required or unit:
            problems.append(DossierError(_("Hãy chọn phường, xã, đặc khu nhận hồ sơ."), field="unit",
                                         code="unit_required"))
    if problems:
        raise FormInvalid(problems)
    return answers


def _draft_for_update(user: User, procedure: Procedure) -> DossierDraft:
    draft, _created = DossierDraft.objects.get_or_create(user=user, procedure=procedure)
    return DossierDraft.objects.select_for_update().get(pk=draft.pk)


def _delete_after_commit(names: list[str]) -> None:
    if names:
        transaction.on_commit(lambda: files.delete_files(names))


def _store_in_draft(draft: DossierDraft, checked: list[files.Checked], documents: list[ProcedureDocument]) -> None:
    """New files for their documents (a new one replaces the one before); the count cap checked with them."""
    replaced: list[str] = []
    for item in checked:
        document = _document_of(item.field, documents)
        if document is None:
            raise DossierError(_("Giấy tờ này không thuộc trường hợp bạn đã chọn."), field=item.field,
                               code="unknown_document")
        old = DraftFile.objects.filter(draft=draft, document=document).first()
        if old is not None:
            replaced.append(old.storage_name)
            old.delete()
        DraftFile.objects.create(draft=draft, document=document, original_name=item.name[:200],
                                 storage_name=files.save(item), content_type=item.content_type, size=item.size,
                                 sha256=item.sha256)
    if DraftFile.objects.filter(draft=draft).count() > settings.DOSSIER_MAX_FILES:
        raise DossierError(files.MESSAGES["too_many_files"] % {"max": settings.DOSSIER_MAX_FILES},
                           field=checked[0].field if checked else None, code="file_too_many_files")
    _delete_after_commit(replaced)


def save_draft(procedure_code: str, *, actor: Actor, case: Any = None, agency: str | None = None,
               unit: str | None = None, uploads: Sequence[files.Upload] = (), remove: Sequence[int] = (),
               require_choices: bool = False) -> DossierDraft:
    """Keep the form's answers and new documents for later. Answers given as None are left as they were; every
    upload is checked first, and when one is refused nothing of the request is stored. Changing the case drops
    the documents of the case left."""
    user = _resident(actor)
    procedure = online_procedure(procedure_code)
    if not online_target(procedure).available:
        raise DossierError(_("Thủ tục này chưa nhận hồ sơ trực tuyến trên Công Dân Số."), code="no_target",
                           status=404)
    _count_uploads(user, len(uploads))
    checked = files.check_all(list(uploads)) if uploads else []
    with files.files_cleanup(), transaction.atomic():
        draft = _draft_for_update(user, procedure)
        answers = dict(draft.answers)
        if case is not None or agency is not None or unit is not None or require_choices:
            given = _check_choices(procedure, answers.get("case") if case is None else case,
                                   answers.get("agency", "") if agency is None else agency,
                                   answers.get("unit", "") if unit is None else unit, required=require_choices)
            answers.update(given)
        draft.answers = answers
        documents = documents_of(chosen_case(procedure, draft))
        allowed = {d.pk for d in documents}
        removed = [int(r) for r in remove]
        dropped = list(DraftFile.objects.filter(draft=draft).exclude(document_id__in=allowed)
                       | DraftFile.objects.filter(draft=draft, document_id__in=removed))
        DraftFile.objects.filter(pk__in=[row.pk for row in dropped]).delete()
        _delete_after_commit([row.storage_name for row in dropped])
        _store_in_draft(draft, checked, documents)
        draft.updated_at = timezone.now()
        draft.save(update_fields=["answers", "updated_at"])
    return draft


def discard_draft(procedure_code: str, *, actor: Actor) -> None:
    """The resident starts over: the draft and its files are deleted."""
    if not signed_in(actor):
        raise NotAllowed()
    with transaction.atomic():
        draft = DossierDraft.objects.filter(user=actor, procedure__code=procedure_code).first()
        if draft is None:
            return
        names = list(draft.files.values_list("storage_name", flat=True))
        draft.delete()
        _delete_after_commit(names)


@dataclass
class Ready:
    """A draft that may be submitted: where it goes, and each document of the chosen case with its file."""

    agency: Agency
    case: DocumentCase
    documents: list[tuple[ProcedureDocument, DraftFile | None]]


def check_draft(procedure: Procedure, draft: DossierDraft | None) -> Ready:
    """Everything a submission needs, or every missing piece at once (``FormInvalid``)."""
    problems: list[DossierError] = []
    answers = draft.answers if draft is not None else {}
    target = online_target(procedure)
    agency: Agency | None = None
    if len(target.agencies) == 1:
        agency = target.agencies[0]
    elif target.agencies:
        agency = next((a for a in target.agencies if a.code == answers.get("agency")), None)
        if agency is None:
            problems.append(DossierError(_("Hãy chọn cơ quan nhận hồ sơ."), field="agency", code="agency_required"))
    elif target.by_ward:
        agency = ward_committee(Unit.objects.filter(code=answers.get("unit", "")).first())
        if agency is None:
            problems.append(DossierError(_("Hãy chọn phường, xã, đặc khu nhận hồ sơ."), field="unit",
                                         code="unit_required"))
    else:
        raise DossierError(_("Thủ tục này chưa nhận hồ sơ trực tuyến trên Công Dân Số."), code="no_target",
                           status=404)
    case = chosen_case(procedure, draft)
    if case is None:
        problems.append(DossierError(_("Hãy chọn trường hợp của bạn."), field="case", code="case_required"))
    by_document = {f.document_id: f for f in draft.files.all()} if draft is not None else {}
    documents = [(d, by_document.get(d.pk)) for d in documents_of(case)]
    for document, upload in documents:
        if upload is None and needs_upload(document):
            problems.append(DossierError(_("Hãy tải lên “%(name)s”.") % {"name": document.name[:120]},
                                         field=f"doc-{document.pk}", code="document_required"))
    if problems:
        raise FormInvalid(problems)
    assert agency is not None and case is not None
    return Ready(agency=agency, case=case, documents=documents)


def submit_online(procedure_code: str, *, actor: Actor, uploads: Sequence[files.Upload] = (),
                  request: Any = None) -> Dossier:
    """Submit the resident's draft (with ``uploads`` added to it): one transaction creates the dossier in status 1
    with its files and deletes the draft. A refusal stores nothing (the draft stays as it was)."""
    user = _resident(actor)
    procedure = online_procedure(procedure_code)
    _count_uploads(user, len(uploads))
    checked = files.check_all(list(uploads)) if uploads else []
    with files.files_cleanup(), transaction.atomic():
        draft = _draft_for_update(user, procedure)
        _store_in_draft(draft, checked, documents_of(chosen_case(procedure, draft)))
        ready = check_draft(procedure, draft)
        lost = [f"doc-{d.pk}" for d, f in ready.documents if f is not None and not files.storage().exists(
            f.storage_name)]
        if lost:
            raise FormInvalid([DossierError(_("Tệp của giấy tờ này không còn trên máy chủ. Hãy tải lên lại."),
                                            field=name, code="file_lost") for name in lost])
        data = DossierInput(procedure_code=procedure.code, agency_code=ready.agency.code,
                            applicant_name=user.full_name, applicant_number=user.personal_id or "",
                            applicant_kind=ApplicantKind.CITIZEN, channel=SubmissionChannel.ONLINE,
                            status=Status.SUBMITTED)

        def attach(dossier: Dossier, event: DossierEvent) -> None:
            DossierFile.objects.bulk_create([
                DossierFile(dossier=dossier, document=document, event=event, label=document.name[:300],
                            original_name=upload.original_name, storage_name=upload.storage_name,
                            content_type=upload.content_type, size=upload.size, sha256=upload.sha256,
                            uploaded_by=user)
                for document, upload in ready.documents if upload is not None])

        dossier = create_dossier(data, actor=user, applicant=user, request=request, attach=attach)
        draft.delete()  # its files now belong to the dossier's rows
    return dossier


# --- after submission ----------------------------------------------------------------------------------------------

SUPPLEMENT_FIELD = "files"


def supplement_dossier(code: str, *, actor: Actor, uploads: Sequence[files.Upload], message: str = "",
                       request: Any = None) -> Dossier:
    """The applicant answers a request for documents (status 5) with the missing files; they are attached to the
    timeline line "Đã bổ sung giấy tờ" and the dossier goes back to where it was before the request."""
    if not uploads:
        raise DossierError(_("Hãy chọn ít nhất một tệp giấy tờ bổ sung."), field=SUPPLEMENT_FIELD,
                           code="supplement_files_required")
    if signed_in(actor):
        _count_uploads(actor, len(uploads))
    checked = files.check_all([files.Upload(u.name, u.data, u.field or SUPPLEMENT_FIELD) for u in uploads])
    with files.files_cleanup(), transaction.atomic():
        current = _locked(code)
        if not is_applicant(actor, current):
            raise NotAllowed()
        if DossierFile.objects.filter(dossier=current).count() + len(checked) > settings.DOSSIER_MAX_FILES:
            raise DossierError(files.MESSAGES["too_many_files"] % {"max": settings.DOSSIER_MAX_FILES},
                               field=SUPPLEMENT_FIELD, code="file_too_many_files")

        uploader = actor if isinstance(actor, User) else None

        def attach(dossier: Dossier, event: DossierEvent) -> None:
            for item in checked:
                DossierFile.objects.create(
                    dossier=dossier, event=event, label=item.name[:300], original_name=item.name[:200],
                    storage_name=files.save(item), content_type=item.content_type, size=item.size,
                    sha256=item.sha256, uploaded_by=uploader)

        return _transition(code, K.SUPPLEMENT, actor=actor, message=message, request=request, attach=attach)


def supplement_request(dossier: Dossier) -> DossierEvent | None:
    """The agency's latest request for documents (what the applicant is asked to supply)."""
    return (DossierEvent.objects.filter(dossier=dossier, kind=K.REQUEST_SUPPLEMENT)
            .order_by("-created_at", "-id").first())


def open_file(dossier: Dossier, file_id: int, *, actor: Actor, staff: bool, request: Any = None
              ) -> tuple[DossierFile, Any]:
    """A document of the dossier and its stored bytes, opened for reading; a staff read is audited. The caller has
    checked that ``actor`` is the applicant or works on the dossier."""
    row = DossierFile.objects.filter(dossier=dossier, pk=file_id).first()
    if row is None:
        raise DossierError(_("Không tìm thấy tệp."), code="file_not_found", status=404)
    try:
        handle = files.storage().open(row.storage_name, "rb")
    except OSError as exc:
        raise DossierError(_("Không tìm thấy tệp."), code="file_not_found", status=404) from exc
    if staff:
        audit.record("dossier.file_viewed", actor=actor, obj=dossier, request=request, code=dossier.code,
                     file=row.pk)
    return row, handle


def open_draft_file(procedure: Procedure, file_id: int, *, actor: Actor) -> tuple[DraftFile, Any]:
    """A file of the resident's own draft (nobody else's)."""
    row = (DraftFile.objects.filter(pk=file_id, draft__user=actor, draft__procedure=procedure).first()
           if signed_in(actor) else None)
    if row is None:
        raise DossierError(_("Không tìm thấy tệp."), code="file_not_found", status=404)
    try:
        return row, files.storage().open(row.storage_name, "rb")
    except OSError as exc:
        raise DossierError(_("Không tìm thấy tệp."), code="file_not_found", status=404) from exc
