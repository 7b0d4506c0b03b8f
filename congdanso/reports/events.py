"""Outbox handlers of the reports app (registered in ``apps.ready``).

- ``reports.event``: a transition happened → notify the reporter, the followers and the staff who must act
  (through ``notifications.services.notify``) and emit the public webhook. Idempotent: the event row records that
  it was announced, in the same transaction as the notifications.
- ``reports.deadline``: the result deadline passed → escalate to the agency's administrators if still open.
- ``reports.forward_deadline``: still unrouted at the forward deadline → tell the city's coordinators.
- ``reports.autoclose``: the confirmation window passed → close.
- ``reports.map_refresh``: rebuild the map clusters.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy

from congdanso.accounts.models import StaffRole
from congdanso.accounts.roles import Role
from congdanso.core import outbox
from congdanso.reports import projections
from congdanso.reports.models import Follow, Report, ReportEvent
from congdanso.reports.states import Audience, Status, audience

logger = logging.getLogger(__name__)


def _subject(report: Report) -> str:
    text = " ".join(report.description.split())
    return text if len(text) <= 60 else text[:57] + "…"


def _public_payload(report: Report, event: ReportEvent) -> dict[str, Any]:
    body = projections.of(report, projections.WEBHOOK)
    return {**body, "updated_at": body["updated_at"].isoformat(), "event": event.kind,
            "message": event.message if event.is_public else ""}


def handle_event(payload: dict[str, Any]) -> None:
    try:
        from congdanso.notifications import services as notifications
    except ImportError:  # pragma: no cover - the notifications app is part of the platform
        notifications = None  # type: ignore[assignment]
    with transaction.atomic():
        event = (ReportEvent.objects.select_for_update(of=("self",)).filter(pk=payload.get("event_id"))  # type: ignore[misc]  # None: no row
                 .select_related("report", "report__category", "report__agency").first())
        if event is None or event.data.get("announced"):
            return
        report = event.report
        link = reverse("reports:detail", args=[report.code])
        due = timezone.localtime(report.resolve_due_at).strftime("%H:%M %d/%m/%Y") if report.resolve_due_at else ""
        context = {"code": report.code, "status": Status(report.status).label, "subject": _subject(report),
                   "note": event.message if event.is_public else "", "result": report.resolution_note,
                   "message": event.message if event.is_public else "", "due": due}
        actor_id = event.actor_id
        if notifications is not None and hasattr(notifications, "notify"):
            _notify_people(notifications, report, event, context, link, actor_id, payload)
        if notifications is not None and hasattr(notifications, "emit_webhook") and event.is_public:
            notifications.emit_webhook(f"report.{event.kind}", _public_payload(report, event))
            notifications.emit_webhook("report.status_changed", _public_payload(report, event))
        if payload.get("schedule_deadline"):
            from congdanso.reports.services import schedule_deadline

            schedule_deadline(report)
        event.data = {**event.data, "announced": True}
        event.save(update_fields=["data"])
    _request_map_refresh()


def _notify_people(notifications: Any, report: Report, event: ReportEvent, context: dict[str, Any], link: str,
                   actor_id: int | None, payload: dict[str, Any]) -> None:
    notify = notifications.notify
    kind = event.kind
    tells = audience(kind)  # who is told, from the lifecycle table (states.ACTIONS)
    if event.is_public:
        if Audience.REPORTER in tells and report.reporter_id and report.reporter_id != actor_id:
            notify([report.reporter_id], "report_result" if kind == "resolve" else "report_status", context,
                   link=link, obj=report)
        if Audience.FOLLOWERS in tells:
            followers = set(Follow.objects.filter(report=report).values_list("user_id", flat=True))
            followers -= {report.reporter_id, actor_id}
            if followers:
                message = format_lazy("{}: {}. {}", report.code, context["status"], context["message"])
                notify(sorted(f for f in followers if f), "followed_update", {**context, "message": message},
                       link=link, obj=report)
    staff_link = reverse("reports_staff:detail", args=[report.pk])
    if Audience.NEW_WORK in tells or payload.get("triage"):
        if report.agency_id:
            staff = StaffRole.objects.filter(agency_id=report.agency_id,
                                             role__in=[Role.AGENCY_OFFICER, Role.AGENCY_ADMIN])
        else:
            staff = StaffRole.objects.filter(role=Role.CITY_ADMIN)
        ids = sorted(set(staff.values_list("user_id", flat=True)) - {actor_id})
        if ids:
            notify(ids, "work_new", context, link=staff_link, obj=report)
    if Audience.ASSIGNEE in tells and report.assignee_id and report.assignee_id != actor_id:
        notify([report.assignee_id], "work_new", context, link=staff_link, obj=report)
    if Audience.ESCALATION in tells:
        ids = payload.get("staff_recipients") or []
        if ids:
            notify(ids, "work_overdue", context, link=staff_link, obj=report)


def handle_deadline(payload: dict[str, Any]) -> None:
    from congdanso.reports.services import escalate_overdue

    escalate_overdue(int(payload["report_id"]))


def handle_forward_deadline(payload: dict[str, Any]) -> None:
    from congdanso.reports.services import escalate_unforwarded

    escalate_unforwarded(int(payload["report_id"]))


def handle_autoclose(payload: dict[str, Any]) -> None:
    from congdanso.reports.services import autoclose_report

    autoclose_report(int(payload["report_id"]))


def handle_map_refresh(payload: dict[str, Any]) -> None:
    from congdanso.reports.queries import refresh_map_cells

    cache.delete("reports:map-refresh-pending")
    refresh_map_cells()


def _request_map_refresh() -> None:
    """At most one pending rebuild of the map clusters at a time, some seconds after the last change."""
    from django.conf import settings

    seconds = settings.REPORTS_MAP_REFRESH_SECONDS
    if seconds <= 0 or not cache.add("reports:map-refresh-pending", 1, seconds * 2):
        return
    from datetime import timedelta

    with transaction.atomic():
        outbox.enqueue("reports.map_refresh", {}, delay=timedelta(seconds=seconds))


def register() -> None:
    outbox.register("reports.event", handle_event)
    outbox.register("reports.deadline", handle_deadline)
    outbox.register("reports.forward_deadline", handle_forward_deadline)
    outbox.register("reports.autoclose", handle_autoclose)
    outbox.register("reports.map_refresh", handle_map_refresh)
