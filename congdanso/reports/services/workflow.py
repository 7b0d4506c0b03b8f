"""Staff moves on a report: forward, receive, assign, start, progress, resolve, reject, transfer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from congdanso.accounts.models import StaffRole, User
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency
from congdanso.core import outbox
from congdanso.core.errors import DomainError
from congdanso.reports import photos as photo_store
from congdanso.reports import sla
from congdanso.reports.errors import NotAllowed, invalid
from congdanso.reports.models import PhotoKind, Report
from congdanso.reports.photos import Upload
from congdanso.reports.services.common import (
    AUTOCLOSE_TOPIC,
    _now,
    _require_worker,
    _transition,
    is_city_admin,
)
from congdanso.reports.states import Status

# --- staff transitions --------------------------------------------------------------------------------------------

def forward_report(report: Report | int, *, agency: Agency, actor: Any, request: Any = None) -> Report:
    """Triage: send a report nobody was responsible for to an agency (city administrators)."""
    if not is_city_admin(actor):
        raise NotAllowed()

    def change(r: Report) -> None:
        r.agency = agency
        r.forwarded_at = r.forwarded_at or _now()

    return _transition(report, "forward", actor=actor, change=change, data={"agency": agency.code},
                       request=request)


def receive_report(report: Report | int, *, actor: Any, request: Any = None) -> Report:
    def authorize(r: Report) -> None:
        if r.agency_id is None:
            raise invalid("no_agency")
        _require_worker(actor, r)

    def change(r: Report) -> None:
        r.received_at = r.received_at or _now()
        r.forwarded_at = r.forwarded_at or _now()

    return _transition(report, "receive", actor=actor, authorize=authorize, change=change, request=request)


def _officer_of(user: User, agency_id: int | None) -> bool:
    return StaffRole.objects.filter(user=user, agency_id=agency_id,
                                    role__in=[Role.AGENCY_OFFICER, Role.AGENCY_ADMIN]).exists()


def assign_report(report: Report | int, *, assignee: User, actor: Any, request: Any = None) -> Report:
    def authorize(r: Report) -> None:
        _require_worker(actor, r)
        if not _officer_of(assignee, r.agency_id):
            raise invalid("not_officer_of_agency")

    def change(r: Report) -> None:
        r.assignee = assignee
        r.received_at = r.received_at or _now()

    return _transition(report, "assign", actor=actor, authorize=authorize, change=change,
                       data={"assignee": assignee.pk}, request=request)


def bulk_assign_reports(report_ids: Iterable[int], *, assignee: User, actor: Any) -> tuple[list[Report], dict]:
    """Assign many; each report in its own transaction. Returns the assigned ones and {id: error} for the rest."""
    done, failed = [], {}
    for pk in report_ids:
        try:
            done.append(assign_report(pk, assignee=assignee, actor=actor))
        except DomainError as exc:
            failed[pk] = exc
    return done, failed


def start_report(report: Report | int, *, actor: Any, request: Any = None) -> Report:
    return _transition(report, "start", actor=actor, authorize=lambda r: _require_worker(actor, r),
                       change=lambda r: setattr(r, "received_at", r.received_at or _now()), request=request)


def post_progress(report: Report | int, *, actor: Any, message: str, photos: list[Upload] | None = None,
                  committed_date: dt.date | None = None, request: Any = None) -> Report:
    """A progress update. Once the report is overdue it needs a photo and a committed completion date."""
    message = (message or "").strip()
    if not message:
        raise invalid("reason_required")
    images = photo_store.prepare(photos or [])
    if committed_date is not None and committed_date < timezone.localdate():
        raise invalid("committed_date_past")

    def authorize(r: Report) -> None:
        _require_worker(actor, r)
        if r.is_overdue and (not images or committed_date is None):
            raise invalid("progress_photo_required")

    def change(r: Report) -> None:
        if committed_date is not None:
            r.committed_date = committed_date
        if r.status in (Status.RECEIVED, Status.ASSIGNED, Status.REOPENED):
            r.status = Status.IN_PROGRESS

    return _transition(report, "progress", actor=actor, message=message, authorize=authorize, change=change,
                       photos=images, photo_kind=PhotoKind.PROGRESS,
                       data={"committed_date": committed_date.isoformat() if committed_date else None},
                       request=request)


def resolve_report(report: Report | int, *, actor: Any, note: str, photos: list[Upload], request: Any = None
                   ) -> Report:
    """Resolved: a proof-of-fix photo and an answer are required. The resident may confirm or dispute."""
    note = (note or "").strip()
    if not note or not photos:
        raise invalid("proof_required")
    images = photo_store.prepare(photos)

    def change(r: Report) -> None:
        r.resolution_note = note
        r.resolved_at = _now()

    def after(r: Report) -> None:
        outbox.enqueue(AUTOCLOSE_TOPIC, {"report_id": r.pk, "resolved_at": r.resolved_at.isoformat()},
                       delay=sla.confirm_until(r.resolved_at) - _now() + dt.timedelta(seconds=1))

    return _transition(report, "resolve", actor=actor, message=note, authorize=lambda r: _require_worker(actor, r),
                       change=change, photos=images, photo_kind=PhotoKind.PROOF, request=request, after=after)


def reject_report(report: Report | int, *, actor: Any, reason: str, request: Any = None) -> Report:
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")

    def change(r: Report) -> None:
        r.reject_reason = reason
        r.closed_at = _now()

    return _transition(report, "reject", actor=actor, message=reason, authorize=lambda r: _require_worker(actor, r),
                       change=change, request=request)


def transfer_report(report: Report | int, *, to_agency: Agency, reason: str, actor: Any, request: Any = None
                    ) -> Report:
    """Hand the report to another agency; the reason is public. Bounced ``REPORTS_TRANSFER_FLAG`` times: flagged."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")

    def authorize(r: Report) -> None:
        _require_worker(actor, r)
        if r.agency_id == to_agency.pk:
            raise invalid("same_agency")

    def change(r: Report) -> None:
        r.agency = to_agency
        r.assignee = None
        r.transfer_count += 1
        r.flagged = r.flagged or r.transfer_count >= settings.REPORTS_TRANSFER_FLAG
        r.forwarded_at = _now()

    return _transition(report, "transfer", actor=actor, message=reason, authorize=authorize, change=change,
                       data={"to_agency": to_agency.code, "to_agency_name": to_agency.name}, request=request)
