"""What a resident does with a report: confirm or dispute the fix, follow it, say "me too"; and the
automatic close when the confirmation window passes unanswered."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from congdanso.core import audit
from congdanso.reports import sla
from congdanso.reports.errors import BadMove, NotAllowed, ReportNotFound, invalid
from congdanso.reports.models import Follow, Report
from congdanso.reports.services.common import _check, _locked, _now, _transition
from congdanso.reports.services.deadlines import schedule_deadline
from congdanso.reports.states import Status

# --- resident actions ---------------------------------------------------------------------------------------------

def _require_reporter(actor: Any, report: Report) -> None:
    if not getattr(actor, "is_authenticated", False) or report.reporter_id != actor.pk:
        raise NotAllowed(invalid("not_reporter").message)


def _require_window(report: Report) -> None:
    if report.resolved_at is None or _now() > sla.confirm_until(report.resolved_at):
        raise invalid("window_closed")


def confirm_report(report: Report | int, *, actor: Any, request: Any = None) -> Report:
    def authorize(r: Report) -> None:
        _require_reporter(actor, r)
        _check("confirm", r)
        _require_window(r)

    return _transition(report, "confirm", actor=actor, authorize=authorize,
                       change=lambda r: setattr(r, "closed_at", _now()), request=request)


def dispute_report(report: Report | int, *, actor: Any, reason: str, request: Any = None) -> Report:
    """Not fixed: reopened to the same agency, with the resident's reason and a new result deadline."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")

    def authorize(r: Report) -> None:
        _require_reporter(actor, r)
        _check("dispute", r)
        _require_window(r)

    def change(r: Report) -> None:
        r.reopen_count += 1
        r.resolved_at = None
        r.escalated_at = None
        r.resolve_due_at = sla.resolve_due(r.category, r.priority, _now())

    return _transition(report, "dispute", actor=actor, message=reason, authorize=authorize, change=change,
                       request=request, after=schedule_deadline)


def autoclose_report(report_id: int) -> Report | None:
    """Close a resolved report whose confirmation window passed without an answer (worker, via the outbox)."""
    report = Report.objects.filter(pk=report_id).only("status", "resolved_at").first()
    if report is None or report.status != Status.RESOLVED or report.resolved_at is None:
        return None
    if _now() <= sla.confirm_until(report.resolved_at):
        return None
    try:
        return _transition(report_id, "autoclose", actor=None, change=lambda r: setattr(r, "closed_at", _now()))
    except BadMove:
        return None


def follow_report(report: Report | int, *, actor: Any, me_too: bool = False) -> Follow:
    """Follow a public report (idempotent); ``me_too`` also counts the resident as affected."""
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed()
    with transaction.atomic():
        locked = _locked(report)
        if locked.is_hidden:
            raise ReportNotFound()
        follow, created = Follow.objects.get_or_create(report=locked, user=actor, defaults={"me_too": me_too})
        changes: dict[str, Any] = {}
        if created:
            changes["follower_count"] = F("follower_count") + 1
            if me_too:
                changes["me_too_count"] = F("me_too_count") + 1
        elif me_too and not follow.me_too:
            follow.me_too = True
            follow.save(update_fields=["me_too"])
            changes["me_too_count"] = F("me_too_count") + 1
        if changes:
            Report.objects.filter(pk=locked.pk).update(**changes)
            audit.record("report.me_too" if me_too else "report.follow", actor=actor, obj=locked)
    return follow


def unfollow_report(report: Report | int, *, actor: Any) -> None:
    with transaction.atomic():
        locked = _locked(report)
        follow = Follow.objects.filter(report=locked, user=actor).first()
        if follow is None:
            return
        follow.delete()
        changes: dict[str, Any] = {"follower_count": F("follower_count") - 1}
        if follow.me_too:
            changes["me_too_count"] = F("me_too_count") - 1
        Report.objects.filter(pk=locked.pk).update(**changes)
        audit.record("report.unfollow", actor=actor, obj=locked)
