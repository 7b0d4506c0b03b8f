"""Who may act on a dossier, codes and deadlines, creation, and the one transition.

One transition (``_transition``) locks the dossier, checks the move in ``states.ACTIONS``, changes it, writes the
timeline row and the audit entry, and tells the applicant (``notifications.notify``) and the webhooks — in one
transaction. A one-stop-shop system's event carries its own id: a repeat finds the event already written and
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from congdanso.accounts.actors import Actor, is_staff_member, signed_in
from congdanso.accounts.models import IdentityLevel, StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.agencies.models import Agency
from congdanso.core import audit
from congdanso.core.fields import blind_index
from congdanso.dossiers import files, projections, queries, states
from congdanso.dossiers.errors import BadMove, DossierError, DossierNotFound, NotAllowed
from congdanso.dossiers.models import (
    ApplicantKind,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierSequence,
    FeeStatus,
    IntegrationSystem,
    SubmissionChannel,
)
from congdanso.dossiers.states import EventKind, Status, Who
from congdanso.lib.text import fold
from congdanso.lib.workdays import LOCAL_ZONE, add_working_days, is_working_day
from congdanso.notifications import services as notifications
from congdanso.procedures.models import ChannelKind, Procedure

K = EventKind


# --- who may act ---------------------------------------------------------------------------------------------------

def can_work_on(user: Actor, dossier: Dossier) -> bool:
    """City admins work on every dossier; agency staff on their agency's dossiers."""
    if not is_staff_member(user):
        return False
    if has_role(user, Role.CITY_ADMIN):
        return True
    return dossier.agency_id in agency_ids_of(user)


def is_applicant(user: Actor, dossier: Dossier) -> bool:
    return signed_in(user) and dossier.applicant_id is not None and dossier.applicant_id == user.pk


def _authorise(actor: Actor, dossier: Dossier, who: Who, system: IntegrationSystem | None) -> None:
    if system is not None:
        if not system.agencies.filter(pk=dossier.agency_id).exists():
            raise NotAllowed(_("Hệ thống này không được cập nhật hồ sơ của cơ quan khác."))
        return
    if who == Who.APPLICANT:
        if not is_applicant(actor, dossier):
            raise NotAllowed()
        return
    if who == Who.STAFF and not can_work_on(actor, dossier):
        raise NotAllowed()


def _actor_label(actor: Actor, dossier: Dossier, system: IntegrationSystem | None) -> str:
    """Who acted, as the applicant sees it: the agency (never an officer's name), or the applicant."""
    if system is not None or is_staff_member(actor):
        return dossier.agency.name
    if is_applicant(actor, dossier):
        return "@applicant"
    return "@system"


# --- codes and deadlines -------------------------------------------------------------------------------------------

CODE_PATTERN = re.compile(r"^[A-Za-z0-9.-]{1,40}-\d{6}-\d{4,6}$")


def is_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))


def next_code(agency: Agency, when: dt.datetime) -> str:
    """``<agency code>-<YYMMDD>-<sequence>``: the agency's n-th dossier of that (Vietnamese) day."""
    day = when.astimezone(LOCAL_ZONE).date()
    with transaction.atomic():
        updated = DossierSequence.objects.filter(agency_code=agency.code, day=day).update(value=F("value") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    DossierSequence.objects.create(agency_code=agency.code, day=day, value=1)
            except IntegrityError:  # another process created the day's row first: count on it
                DossierSequence.objects.filter(agency_code=agency.code, day=day).update(value=F("value") + 1)
        value = DossierSequence.objects.get(agency_code=agency.code, day=day).value
    return f"{agency.code}-{day:%y%m%d}-{value:04d}"


@dataclass(frozen=True)
class Deadline:
    """How long the procedure gives the agency: working days (parsed by the catalogue), or else calendar days
    ("15 ngày")."""

    working_days: Decimal | None = None
    calendar_days: int | None = None


_CALENDAR_DAYS = re.compile(r"(\d+)\s*ngay\b(?!\s+lam\s+viec)")


def deadline_of(procedure: Procedure, channel: int) -> Deadline:
    kind = {SubmissionChannel.DIRECT: ChannelKind.IN_PERSON, SubmissionChannel.ONLINE: ChannelKind.ONLINE,
            SubmissionChannel.POSTAL: ChannelKind.POSTAL}.get(SubmissionChannel(channel))
    rows = sorted(procedure.channels.all(), key=lambda row: row.kind != kind)  # the dossier's own channel first
    for row in rows:
        if row.working_days is not None:
            return Deadline(working_days=row.working_days)
        found = _CALENDAR_DAYS.search(fold(row.deadline_text))
        if found:
            return Deadline(calendar_days=int(found.group(1)))
    return Deadline(working_days=procedure.working_days)


def due_from(start: dt.datetime, deadline: Deadline) -> dt.datetime | None:
    """The due moment of a dossier accepted at ``start``: 17:00 (Ho Chi Minh City time) of the day the deadline
    ends. Working days are counted on the Vietnamese calendar (half a day or less: the same working day); calendar
    days as they are. None when the procedure sets no limit."""
    day = start.astimezone(LOCAL_ZONE).date()
    if deadline.working_days is not None:
        if deadline.working_days < 1:
            day = day if is_working_day(day) else add_working_days(day, 1)
        else:
            day = add_working_days(day, int(deadline.working_days.to_integral_value(rounding="ROUND_CEILING")))
    elif deadline.calendar_days is not None:
        day += dt.timedelta(days=deadline.calendar_days)
    else:
        return None
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=LOCAL_ZONE)


# --- creation ------------------------------------------------------------------------------------------------------

@dataclass
class DossierInput:
    """A dossier as a one-stop-shop desk, a system or the online form gives it (text already normalised)."""

    procedure_code: str
    agency_code: str
    applicant_name: str = ""
    applicant_number: str = ""  # personal ID number or tax code
    applicant_kind: str = ApplicantKind.CITIZEN
    applicant_phone: str = ""
    channel: int = SubmissionChannel.DIRECT
    code: str = ""  # given by the sending system; made here when empty
    status: str = Status.ACCEPTED
    submitted_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    fee_amount: int | None = None
    external_id: str = ""


def _procedure(code: str) -> Procedure:
    procedure = Procedure.objects.filter(code=code, is_active=True).prefetch_related("channels").first()
    if procedure is None:
        raise DossierError(_("Không có thủ tục mã “%(code)s” trong danh mục.") % {"code": code[:40]},
                           field="procedure", code="unknown_procedure")
    return procedure


def _agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise DossierError(_("Không có cơ quan mã “%(code)s”.") % {"code": code[:40]}, field="agency",
                           code="unknown_agency")
    return agency


def resident_for(personal_id: str) -> User | None:
    """The level-2 resident account of this personal ID number (through its blind index), if there is one."""
    if not personal_id:
        return None
    return User.objects.filter(personal_id_index=blind_index(personal_id), kind=UserKind.CITIZEN,
                               identity_level__gte=IdentityLevel.LEVEL2).first()


Attach = Callable[[Dossier, DossierEvent], None]


def create_dossier(data: DossierInput, *, actor: Actor, system: IntegrationSystem | None = None,
                   applicant: User | None = None, request: Any = None, attach: Attach | None = None) -> Dossier:
    """Record a dossier received at a desk, by post, from a one-stop-shop system or online (status 1 or 2).
    ``attach`` adds what belongs to the first timeline line (the documents of an online submission) in the same
    transaction."""
    if data.status not in (Status.SUBMITTED, Status.ACCEPTED):
        raise DossierError(_("Hồ sơ mới chỉ có thể ở trạng thái “Mới đăng ký” hoặc “Được tiếp nhận”."),
                           field="status", code="bad_initial_status")
    procedure = _procedure(data.procedure_code)
    agency = _agency(data.agency_code)
    if system is not None and not system.agencies.filter(pk=agency.pk).exists():
        raise NotAllowed(_("Hệ thống này không được tạo hồ sơ của cơ quan khác."))
    if system is None and data.channel != SubmissionChannel.ONLINE and not (
            is_staff_member(actor) and (has_role(actor, Role.CITY_ADMIN) or agency.pk in agency_ids_of(actor))):
        raise NotAllowed()
    if data.code and not is_code(data.code):
        raise DossierError(_("Mã hồ sơ không đúng dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>."), field="code",
                           code="dossier_bad_code")
    now = timezone.now()
    submitted = data.submitted_at or now
    accepted = (data.accepted_at or submitted) if data.status == Status.ACCEPTED else None
    with transaction.atomic():
        dossier = Dossier(
            code=data.code or next_code(agency, submitted), procedure=procedure, agency=agency, status=data.status,
            channel=data.channel, applicant_kind=data.applicant_kind, applicant_name=data.applicant_name,
            applicant_number=data.applicant_number,
            applicant_number_index=blind_index(data.applicant_number) if data.applicant_number else "",
            applicant_phone=data.applicant_phone,
            applicant=applicant or resident_for(data.applicant_number), submitted_at=submitted, accepted_at=accepted,
            due_at=data.due_at or (due_from(accepted, deadline_of(procedure, data.channel)) if accepted else None),
            fee_amount=data.fee_amount, system=system, external_id=data.external_id, created_at=now,
            updated_at=now,
        )
        dossier.original_due_at = dossier.due_at
        try:
            with transaction.atomic():
                dossier.save(force_insert=True)
        except IntegrityError as exc:
            raise DossierError(_("Mã hồ sơ “%(code)s” đã có.") % {"code": dossier.code}, field="code",
                               code="dossier_exists", status=409) from exc
        kind = K.SUBMIT if data.status == Status.SUBMITTED else K.REGISTER
        event = _event(dossier, kind, actor=actor, system=system, from_status="", at=accepted or submitted)
        if attach is not None:
            attach(dossier, event)
        audit.record(f"dossier.{kind}", actor=system or actor, obj=dossier, request=request, code=dossier.code)
        # A resident who submits online gets the code in their inbox too (the receipt of their own action).
        _tell(dossier, event, tell_actor=data.channel == SubmissionChannel.ONLINE)
    return dossier


# --- the one transition --------------------------------------------------------------------------------------------

def _event(dossier: Dossier, kind: str, *, actor: Actor, system: IntegrationSystem | None, from_status: str,
           message: str = "", external_id: str = "", at: dt.datetime | None = None) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier, kind=kind, from_status=from_status, to_status=dossier.status,
        actor=actor if signed_in(actor) else None, actor_label=_actor_label(actor, dossier, system)[:200],
        message=message, is_public=states.is_public(kind), system=system, external_id=external_id,
        created_at=at or timezone.now(),
    )


# What the applicant does that gives the agency's officers new work: an online submission, a supplement.
NEW_WORK = frozenset({EventKind.SUBMIT, EventKind.SUPPLEMENT})


def _tell_agency(dossier: Dossier, event: DossierEvent) -> None:
    """The receiving agency's officers and admins hear of new work on a dossier (kind ``work_new``)."""
    staff = list(StaffRole.objects.filter(agency_id=dossier.agency_id, role__in=[
        Role.AGENCY_OFFICER, Role.AGENCY_ADMIN]).values_list("user_id", flat=True).distinct())
    if not staff:
        return
    due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") if dossier.due_at else ""
    subject = f"{dossier.code} · {dossier.procedure.name}"
    notifications.notify(staff, "work_new", {"subject": subject, "message": states.EVENT_LABELS[event.kind],
                                             "due": due, "code": dossier.code},
                         link=reverse("dossiers_staff:detail", args=[dossier.code]), obj=dossier)


def _tell(dossier: Dossier, event: DossierEvent, *, tell_actor: bool = False) -> None:
    """Tell the applicant (when they have an account; not of their own moves unless ``tell_actor``) and the
    webhooks, in the caller's transaction."""
    if not event.is_public:
        return
    if dossier.applicant_id and (tell_actor or event.actor_id != dossier.applicant_id):
        notifications.notify(
            [dossier.applicant_id], "dossier_status",
            {"code": dossier.code, "status": Status(dossier.status).label, "procedure": dossier.procedure.name,
             "message": event.message},
            link=reverse("dossiers:detail", args=[dossier.code]), obj=dossier)
    if event.kind in NEW_WORK:
        _tell_agency(dossier, event)
    body = projections.webhook(dossier, event)
    hooks = [(f"dossier.{event.kind}", body)]
    if event.from_status != event.to_status:
        hooks.append(("dossier.status_changed", body))
    notifications.emit_webhooks(hooks)


def get_dossier(code: str) -> Dossier:
    dossier = Dossier.objects.select_related("procedure", "agency").filter(code=code).first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def get_dossier_by_pk(pk: int) -> Dossier:
    return Dossier.objects.select_related("procedure", "agency").get(pk=pk)


def _locked(code: str) -> Dossier:
    dossier = (Dossier.objects.select_for_update(of=("self",)).select_related("procedure", "agency")
               .filter(code=code).first())
    if dossier is None:
        raise DossierNotFound()
    return dossier


def _bad_move(action: str, dossier: Dossier, who: Who | None) -> BadMove:
    allowed = states.allowed_from(dossier.status, who=who)
    names = ", ".join(str(states.EVENT_LABELS[a]) for a in allowed) or _("không có")
    return BadMove(
        _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”. Các thao tác được phép: %(allowed)s.")
        % {"action": states.EVENT_LABELS.get(action, action), "status": dossier.get_status_display(),
           "allowed": names}, allowed)


def _apply(dossier: Dossier, action: str, now: dt.datetime) -> None:
    """The dates and the clock that follow from a move."""
    before = dossier.status
    after = states.target(action, before, dossier.paused_from)
    if before in states.PAUSED and after not in states.PAUSED and dossier.paused_since is not None:
        waited = now - dossier.paused_since
        dossier.paused_seconds += max(0, int(waited.total_seconds()))
        if dossier.due_at is not None:
            dossier.due_at += waited  # the wait for the applicant does not count toward the deadline
        dossier.paused_since, dossier.paused_from = None, ""
    if after in states.PAUSED and before not in states.PAUSED:
        dossier.paused_since, dossier.paused_from = now, before
    if after == Status.ACCEPTED and dossier.accepted_at is None:
        dossier.accepted_at = now
        if dossier.due_at is None:
            dossier.due_at = due_from(now, deadline_of(dossier.procedure, dossier.channel))
            dossier.original_due_at = dossier.due_at
    if after in states.FINISHED and dossier.finished_at is None:
        dossier.finished_at = now
    if after == Status.RETURNED:
        dossier.returned_at = now
    if action == K.REQUEST_FEES:
        dossier.fee_status = FeeStatus.DUE
    if action == K.PAY_FEES:
        dossier.fee_status = FeeStatus.PAID
    dossier.status = after


def _transition(code: str, action: str, *, actor: Actor, message: str = "", system: IntegrationSystem | None = None,
                external_id: str = "", at: dt.datetime | None = None, request: Any = None,
                change: Callable[[Dossier], None] | None = None, attach: Attach | None = None) -> Dossier:
    return _move(code, action, actor=actor, message=message, system=system, external_id=external_id, at=at,
                 request=request, change=change, attach=attach)[0]


Choose = Callable[[Dossier], str]


def _values(dossier: Dossier) -> dict[str, Any]:
    """The dossier's column values, to write back only those a move changed (a status push changes 2–4 of 31)."""
    return {f.attname: getattr(dossier, f.attname) for f in Dossier._meta.concrete_fields if not f.primary_key}


def _move(code: str, action: str | Choose, *, actor: Actor, message: str = "", system: IntegrationSystem | None = None,
          external_id: str = "", at: dt.datetime | None = None, request: Any = None,
          change: Callable[[Dossier], None] | None = None, attach: Attach | None = None) -> tuple[Dossier, bool]:
    """The one transition. ``action`` is a lifecycle action, or (for a system's status event) a function that
    chooses it from the locked dossier. Returns the dossier and whether it changed (False for a repeated event id:
    then the dossier that event moved, unchanged)."""
    with transaction.atomic():
        dossier = _locked(code)
        if system is not None and external_id:
            seen = DossierEvent.objects.filter(system=system, external_id=external_id).values_list(
                "dossier_id", flat=True).first()
            if seen is not None:
                return (dossier if seen == dossier.pk else get_dossier_by_pk(seen)), False
        if system is not None:
            _authorise(actor, dossier, Who.STAFF, system)
        if callable(action):
            action = action(dossier)
        move = states.ACTIONS[action]
        if move.needs_message and not message:
            raise DossierError(_("Hãy nhập nội dung gửi người nộp hồ sơ (lý do, giấy tờ cần bổ sung…)."),
                               field="message", code="message_required")
        if system is None:
            _authorise(actor, dossier, move.who, system)
        if not states.can(action, dossier.status):
            raise _bad_move(action, dossier, None if system is not None else move.who)
        before = dossier.status
        values = _values(dossier)
        now = at or timezone.now()
        _apply(dossier, action, now)
        if change is not None:
            change(dossier)
        dossier.updated_at = timezone.now()
        dossier.save(update_fields=[name for name, value in values.items() if getattr(dossier, name) != value])
        event = _event(dossier, action, actor=actor, system=system, from_status=before, message=message,
                       external_id=external_id, at=now)
        if attach is not None:
            attach(dossier, event)
        audit.record(f"dossier.{action}", actor=system or actor, obj=dossier, request=request, code=dossier.code,
                     from_status=before, to_status=dossier.status)
        _tell(dossier, event)
    return dossier, True


def move_dossier(code: str, action: str, *, actor: Actor, message: str = "", request: Any = None) -> Dossier:
    """A staff or applicant action from the lifecycle table (accept, refuse, process, request_supplement, …)."""
    if action not in states.TRANSITIONS or action == K.APOLOGISE:
        raise DossierError(_("Thao tác không hợp lệ."), field="action", code="unknown_action")
    return _transition(code, action, actor=actor, message=message, request=request)


def withdraw_dossier(code: str, *, actor: Actor, message: str = "", request: Any = None) -> Dossier:
    return _transition(code, K.WITHDRAW, actor=actor, message=message, request=request)


RESULT_FIELD = "result_files"


def return_result(code: str, *, actor: Actor, result: str = "", uploads: Sequence[files.Upload] = (),
                  request: Any = None) -> Dossier:
    """The agency returns the result (status 10): an optional text and the result documents (an e-copy of the
    certificate, the permit…), attached to the timeline line the applicant is notified of."""
    checked = files.check_all([files.Upload(u.name, u.data, u.field or RESULT_FIELD) for u in uploads])
    uploader = actor if isinstance(actor, User) else None

    def record_result(dossier: Dossier) -> None:
        if checked and DossierFile.objects.filter(dossier=dossier).count() + len(checked) > settings.DOSSIER_MAX_FILES:
            raise DossierError(files.MESSAGES["too_many_files"] % {"max": settings.DOSSIER_MAX_FILES},
                               field=RESULT_FIELD, code="file_too_many_files")
        if result:
            dossier.result = result

    def attach(dossier: Dossier, event: DossierEvent) -> None:
        for item in checked:
            DossierFile.objects.create(
                dossier=dossier, event=event, label=_("Kết quả: %(name)s") % {"name": item.name[:280]},
                original_name=item.name[:200], storage_name=files.save(item), content_type=item.content_type,
                size=item.size, sha256=item.sha256, uploaded_by=uploader)

    with files.files_cleanup():
        return _transition(code, K.RETURN, actor=actor, message=result, request=request, change=record_result,
                           attach=attach if checked else None)


def apologise(code: str, *, actor: Actor, message: str, new_due: dt.datetime, request: Any = None) -> Dossier:
    """The agency's apology for a late dossier, with a new date for the result (only once the dossier is late)."""
    now = timezone.now()
    if new_due <= now:
        raise DossierError(_("Ngày hẹn mới phải sau thời điểm hiện tại."), field="new_due", code="bad_new_due")

    def set_new_date(dossier: Dossier) -> None:
        if not queries.is_overdue(dossier, now):
            raise DossierError(_("Chỉ gửi thư xin lỗi khi hồ sơ đã quá hạn."), field="new_due", code="not_overdue",
                               status=409)
        dossier.apology, dossier.apology_at = message, now
        dossier.original_due_at = dossier.original_due_at or dossier.due_at
        dossier.due_at = new_due

    return _transition(code, K.APOLOGISE, actor=actor, message=message, request=request, change=set_new_date)


def add_note(code: str, *, actor: Actor, message: str, request: Any = None) -> Dossier:
    if not message:
        raise DossierError(_("Hãy nhập nội dung ghi chú."), field="message", code="message_required")
    return _transition(code, K.NOTE, actor=actor, message=message, request=request)


def push_status(code: str, status: str | int, *, system: IntegrationSystem, event_id: str, message: str = "",
                at: dt.datetime | None = None) -> tuple[Dossier, bool]:
    """A one-stop-shop system's status event. Returns the dossier and whether anything changed (False for a repeat
    of an event id already recorded). The move is the lifecycle table's action leading to that status."""
    target = states.status_from(status)
    if target is None:
        raise DossierError(_("Trạng thái “%(status)s” không có trong 10 trạng thái hồ sơ.") % {"status": status},
                           field="status", code="unknown_status")
    if not event_id:
        raise DossierError(_("Thiếu mã sự kiện (event_id)."), field="event_id", code="event_id_required")

    def choose(dossier: Dossier) -> str:  # under the transition's lock: the move leading to ``target``
        actions = [a for a, move in states.TRANSITIONS.items()
                   if dossier.status in move.sources and states.target(a, dossier.status, dossier.paused_from) == target
                   and a not in (K.APOLOGISE, K.NOTE)]
        if not actions:
            raise _bad_move_to(target, dossier)
        return actions[0]

    try:
        return _move(code, choose, actor=None, system=system, external_id=event_id, message=message, at=at)
    except DossierNotFound:
        seen = DossierEvent.objects.filter(system=system, external_id=event_id).values_list("dossier_id", flat=True)
        if seen:
            return get_dossier_by_pk(seen[0]), False  # a repeat naming another code: the dossier it moved
        raise


def _bad_move_to(target: str, dossier: Dossier) -> BadMove:
    allowed = sorted({states.target(a, dossier.status, dossier.paused_from)
                      for a in states.allowed_from(dossier.status) if states.ACTIONS[a].target})
    names = ", ".join(f"{states.NATIONAL_CODE[s]} {Status(s).label}" for s in allowed) or _("không có")
    return BadMove(
        _("Hồ sơ đang ở trạng thái “%(status)s”, không thể chuyển sang “%(target)s”. Có thể chuyển sang: "
          "%(allowed)s.") % {"status": dossier.get_status_display(), "target": Status(target).label,
                             "allowed": names}, allowed)


# --- applicants ----------------------------------------------------------------------------------------------------

def link_dossiers_of(user: User) -> int:
    """Link to a level-2 resident the dossiers filed under their personal ID number before they had an account."""
    if not signed_in(user) or user.identity_level < IdentityLevel.LEVEL2 or not user.personal_id_index:
        return 0
    return Dossier.objects.filter(applicant_number_index=user.personal_id_index, applicant__isnull=True).update(
        applicant=user)
