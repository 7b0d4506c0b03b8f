"""Deadlines of reports: scheduling the outbox rows, and the worker's escalations when they pass."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from congdanso.accounts.models import StaffRole
from congdanso.accounts.roles import Role
from congdanso.core import audit, outbox
from congdanso.reports.models import Report, ReportEvent
from congdanso.reports.services.common import (
    DEADLINE_TOPIC,
    FORWARD_DEADLINE_TOPIC,
    _announce,
    _event,
    _now,
    get_report,
)


def schedule_deadline(report: Report) -> None:
    if report.resolve_due_at:
        delay = max(dt.timedelta(), report.resolve_due_at - _now()) + dt.timedelta(seconds=1)
        outbox.enqueue(DEADLINE_TOPIC, {"report_id": report.pk, "due": report.resolve_due_at.isoformat()},
                       delay=delay)
    if report.forwarded_at is None and report.forward_due_at:
        delay = max(dt.timedelta(), report.forward_due_at - _now()) + dt.timedelta(seconds=1)
        outbox.enqueue(FORWARD_DEADLINE_TOPIC, {"report_id": report.pk}, delay=delay)



def escalate_overdue(report_id: int) -> bool:
    """Past the result deadline and still open: tell the agency's administrators once (worker, via the outbox)."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or not report.is_overdue or report.escalated_at is not None:
            return False
        report.escalated_at = _now()
        report.save(update_fields=["escalated_at"])
        report = get_report(report.pk)
        admins = list(StaffRole.objects.filter(agency_id=report.agency_id, role=Role.AGENCY_ADMIN)
                      .values_list("user_id", flat=True)) if report.agency_id else []
        if not admins:
            admins = list(StaffRole.objects.filter(role=Role.CITY_ADMIN).values_list("user_id", flat=True))
        event = _event(report, "escalate", actor=None, public=False, data={"admins": admins})
        audit.record("report.escalated", obj=report, code=report.code, admins=admins)
        _announce(report, event, extra={"staff_recipients": admins})
    return True


def escalate_unforwarded(report_id: int) -> bool:
    """Past the forward deadline and still with no agency (triage): tell the city's coordinators once."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report_id).first()
        if report is None or not report.is_forward_overdue or not report.is_open:
            return False
        if ReportEvent.objects.filter(report=report, kind="escalate_forward").exists():
            return False
        report = get_report(report.pk)
        admins = list(StaffRole.objects.filter(role=Role.CITY_ADMIN).values_list("user_id", flat=True))
        event = _event(report, "escalate_forward", actor=None, public=False, data={"admins": admins})
        audit.record("report.forward_escalated", obj=report, code=report.code, admins=admins)
        _announce(report, event, extra={"staff_recipients": admins})
    return True
