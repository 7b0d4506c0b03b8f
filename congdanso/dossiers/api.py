"""Integration API for one-stop-shop systems (mounted at /api/v1/dossiers), and the public lookup by code
(``/api/v1/dossiers/lookup?code=…``, no key). A department's or ward's system pushes
its dossiers and their status events. Each system authenticates with its API key (``Authorization: Bearer
cdsd_…``) and may read and write only the dossiers of its own agencies (403 otherwise). Pushes are idempotent: a
dossier by the system's own id (``external_id``), an event by its ``event_id``; a repeat is answered 200 and changes
nothing. Every status change tells the applicant in the same transaction."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import Any, Literal

import orjson
from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from congdanso.core.audit import client_ip
from congdanso.core.errors import DomainError
from congdanso.core.textinput import CleanStr
from congdanso.dossiers import bulk, projections, services
from congdanso.dossiers.models import IntegrationSystem, SubmissionChannel
from congdanso.dossiers.states import Status as DossierStatus

router = Router(tags=["dossiers (one-stop-shop systems)"])


class SystemKey(HttpBearer):
    """``Authorization: Bearer cdsd_…``: the key given once when the system was registered."""

    def authenticate(self, request: HttpRequest, token: str) -> IntegrationSystem | None:
        return services.authenticate_system(token)


def _system(request: HttpRequest) -> IntegrationSystem:
    return request.auth  # type: ignore[attr-defined]  # set by SystemKey


class DossierApplicantIn(Schema):
    kind: Literal["citizen", "business", "household"] = "citizen"
    name: CleanStr = Field("", max_length=200)
    id_number: CleanStr = Field("", max_length=20, description="personal ID number (12 digits) or tax code")
    phone: CleanStr = Field("", max_length=20)


class DossierIn(Schema):
    external_id: CleanStr = Field(..., min_length=1, max_length=100, description="the dossier's id in your system")
    code: CleanStr = Field("", max_length=64, description="<agency code>-<YYMMDD>-<sequence>; made here when empty")
    procedure: CleanStr = Field(..., max_length=30, description="national procedure code, e.g. 1.001193")
    agency: CleanStr = Field(..., max_length=40, description="receiving agency code (one of your system's)")
    applicant: DossierApplicantIn = Field(default_factory=lambda: DossierApplicantIn(name="", id_number="", phone=""))
    channel: Literal[1, 2, 3] = Field(1, description="1 direct, 2 online, 3 postal")
    status: Literal[1, 2, "submitted", "accepted"] = Field(2, description="1 submitted online or 2 accepted")
    submitted_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    due_at: dt.datetime | None = Field(None, description="the due date you gave; computed from the procedure when "
                                                         "empty")
    fee_amount: int | None = Field(None, ge=0)


class DossierEventIn(Schema):
    event_id: CleanStr = Field(..., min_length=1, max_length=100, description="your id of this event (idempotency)")
    status: int | str = Field(..., description="the new status: national code 1–10 or its name")
    message: CleanStr = Field("", max_length=4000, description="what the applicant reads (required for refusal, "
                                                               "supplement, fees and stop)")
    at: dt.datetime | None = Field(None, description="when it happened (default: now)")


class DossierTimelineEntry(Schema):
    kind: str
    label: str
    status: str
    status_code: int | None
    message: str
    by: str
    at: str | None


class DossierPublicOut(Schema):
    """What anyone holding the code may see (the lookup page's public part): no applicant, no timeline."""

    code: str
    procedure: str
    procedure_name: str
    agency: str
    agency_name: str
    status: str
    status_code: int
    status_name: str
    submitted_at: str | None
    accepted_at: str | None
    due_at: str | None
    finished_at: str | None
    returned_at: str | None
    overdue: bool
    on_time: bool | None
    updated_at: str | None


class DossierOut(DossierPublicOut):
    """The public view, and what the agency's systems see besides."""

    channel: int
    fee_amount: int | None
    fee_status: str
    result: str
    apology: str
    original_due_at: str | None
    paused_days: float
    timeline: list[DossierTimelineEntry]


class DossierEventOut(Schema):
    changed: bool = Field(..., description="false when this event_id was already recorded (nothing changed)")
    dossier: DossierOut


class DossierProblem(Schema):
    code: str
    message: str
    allowed: list[str] | None = None


def _input(body: DossierIn) -> services.DossierInput:
    status = DossierStatus.SUBMITTED if body.status in (1, "submitted") else DossierStatus.ACCEPTED
    return services.DossierInput(
        procedure_code=body.procedure, agency_code=body.agency, applicant_name=body.applicant.name,
        applicant_number=body.applicant.id_number, applicant_kind=body.applicant.kind,
        applicant_phone=body.applicant.phone, channel=SubmissionChannel(body.channel), code=body.code,
        status=status, submitted_at=body.submitted_at, accepted_at=body.accepted_at, due_at=body.due_at,
        fee_amount=body.fee_amount, external_id=body.external_id)


@router.post("", auth=SystemKey(), response={200: DossierOut, 201: DossierOut, 400: DossierProblem, 403: DossierProblem,
                                             409: DossierProblem},
             summary="Record a dossier (idempotent on external_id)", url_name="dossiers_create")
def create(request: HttpRequest, body: DossierIn) -> Status:
    dossier, created = services.record_from_system(_input(body), system=_system(request))
    return Status(201 if created else 200, projections.details(dossier))


class DossierImportProblem(Schema):
    code: str
    message: str


_IMPORT_BODY = {
    "required": True,
    "description": "NDJSON (one dossier per line, the fields of POST /api/v1/dossiers) or CSV (a header row, then "
                   "one dossier per row; the applicant in applicant_kind, applicant_name, applicant_id_number, "
                   "applicant_phone). UTF-8. At most DOSSIER_IMPORT_MAX_ROWS lines and DOSSIER_IMPORT_MAX_MB MB.",
    "content": {"application/x-ndjson": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}},
}
_IMPORT_ANSWER = {
    "description": "NDJSON, streamed: one line per row in the file's order ({row, external_id, status: created | "
                   "unchanged | refused, code, and for a refused row error, message, field, http_status}), then "
                   "one last line {summary: {rows, created, unchanged, refused, reasons}}. A response without the "
                   "summary line was cut short: send the file again (rows already imported come back unchanged).",
    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
}


@router.post("/import", auth=SystemKey(),
             response={400: DossierImportProblem, 411: DossierImportProblem, 413: DossierImportProblem,
                       415: DossierImportProblem},
             summary="Import many dossiers (NDJSON or CSV, idempotent on external_id; a report line per row)",
             url_name="dossiers_import",
             openapi_extra={"requestBody": _IMPORT_BODY, "responses": {"200": _IMPORT_ANSWER}})
def import_dossiers(request: HttpRequest) -> Any:
    """Read as a stream into a temporary file (a request over the limits is refused with 413 before anything is
    stored, and the answer cannot block a client that sends the whole body before reading), then imported in
    batches while the answer streams."""
    fmt = bulk.format_of(request.content_type or "")
    if not fmt:
        return Status(415, {"code": "import_bad_type", "message": _(
            "Định dạng phải là NDJSON (application/x-ndjson) hoặc CSV (text/csv).")})
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - closed by the answer
    try:
        problem = _receive(request, spool, header=fmt == "csv")
        if problem is not None:
            spool.close()
            return problem
        spool.seek(0)
        records = bulk.read(bulk.lines_from(spool), fmt)
    except DomainError:
        spool.close()
        raise
    system = _system(request)
    language = translation.get_language()

    def answer() -> Iterator[bytes]:
        summary = bulk.Summary(keep=0)
        try:
            with translation.override(language):
                for result in bulk.import_dossiers(records, system=system, source="api", request=request):
                    summary.add(result)
                    yield orjson.dumps(result.as_dict()) + b"\n"
                yield orjson.dumps({"summary": summary.as_dict()}) + b"\n"
        finally:
            spool.close()

    return StreamingHttpResponse(answer(), content_type="application/x-ndjson; charset=utf-8")


def _receive(request: HttpRequest, spool: Any, *, header: bool) -> Status | None:
    """Copy the body into ``spool`` chunk by chunk; a Status (411, 413, 400) when it cannot be imported."""
    max_bytes = settings.DOSSIER_IMPORT_MAX_MB * 1024 * 1024
    rows = settings.DOSSIER_IMPORT_MAX_ROWS
    max_lines = rows + header
    too_large = Status(413, {"code": "import_too_large", "message": _(
        "Mỗi lần gửi tối đa %(rows)s dòng và %(mb)s MB; hãy chia tệp thành nhiều lần gửi.") % {
        "rows": rows, "mb": settings.DOSSIER_IMPORT_MAX_MB}})
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return Status(411 if "CONTENT_LENGTH" not in request.META else 400, {"code": "import_empty", "message": _(
            "Không có dữ liệu: gửi tệp trong thân yêu cầu, kèm tiêu đề Content-Length.")})
    if length > max_bytes:
        return too_large
    size = lines = 0
    last = b"\n"
    while chunk := request.read(1 << 16):
        spool.write(chunk)
        size += len(chunk)
        lines += chunk.count(b"\n")
        last = chunk[-1:]
        if size > max_bytes or lines > max_lines:
            return too_large
    if lines + (last != b"\n") > max_lines:
        return too_large
    return None


@router.get("/lookup", auth=None, response={200: DossierPublicOut, 400: DossierProblem, 404: DossierProblem,
                                             429: DossierProblem},
            summary="Look a dossier up by its code (public: status and dates; counted per client like the page)",
            url_name="dossiers_lookup")
def lookup(request: HttpRequest, code: str) -> dict[str, Any]:
    """The public lookup residents' apps, kiosks and the national portal call: the same answer and the same
    per-client limit as the page ``/ho-so/tra-cuu``; the timeline needs the applicant (``/api/v1/me/cases``)."""
    found = services.look_up(code, client=client_ip(request) or "unknown")
    return projections.public(found.dossier)


@router.get("/{code}", auth=SystemKey(), response={200: DossierOut, 403: DossierProblem, 404: DossierProblem},
            summary="One of your agencies' dossiers, with its timeline", url_name="dossiers_detail")
def detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return projections.details(services.dossier_for_system(code, _system(request)))


@router.post("/{code}/events", auth=SystemKey(),
             response={200: DossierEventOut, 400: DossierProblem, 403: DossierProblem, 404: DossierProblem,
                       409: DossierProblem},
             summary="Push a status event (idempotent on event_id; 409 names the allowed moves)",
             url_name="dossiers_event")
def push_event(request: HttpRequest, code: str, body: DossierEventIn) -> dict[str, Any]:
    dossier, changed = services.push_status(code, body.status, system=_system(request), event_id=body.event_id,
                                            message=body.message, at=body.at)
    return {"changed": changed, "dossier": projections.details(dossier)}
