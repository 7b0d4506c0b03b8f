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

import json
import logging
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, format_lazy

from congdanso.accounts.models import StaffRole
from congdanso.accounts.roles import Role
from congdanso.core import outbox
from congdanso.reports import projections
from congdanso.reports.models import Channel, Follow, Report, ReportEvent
from congdanso.reports.states import Audience, EventKind, Status, audience

logger = logging.getLogger(__name__)


def _subject(report: Report) -> str:
    text = " ".join(report.description.split())
    return text if len(text) <= 60 else text[:57] + "…"


def _public_payload(report: Report, event: ReportEvent) -> dict[str, Any]:
    body = projections.of(report, projections.WEBHOOK)
    return {**body, "updated_at": body["updated_at"].isoformat(), "event": event.kind,
            "message": event.message if event.is_public else ""}


def handle_event(payload: dict[str, Any]) -> None:
    handle_events([payload])


def handle_events(payloads: list[dict[str, Any]]) -> None:
    """Announce these events in one transaction: their notifications written together (one read of each
    agency's staff and of the followers, one fan-out), each public event's webhooks once, the events marked."""
    from congdanso.notifications import services as notifications

    by_id = {int(p["event_id"]): p for p in payloads if p.get("event_id")}
    with transaction.atomic():
        events = [e for e in ReportEvent.objects.select_for_update(of=("self",)).filter(pk__in=list(by_id))
                  .select_related("report", "report__category", "report__agency").order_by("pk")
                  if not e.data.get("announced")]
        if not events:
            return
        readers = _Audience(events, by_id)
        notices: list[Any] = []
        calls: list[Any] = []  # SMS to hotline callers without an account
        hooks: list[tuple[str, dict[str, Any]]] = []
        for event in events:
            payload = by_id[event.pk]
            report = event.report
            notices += _notices(notifications, report, event, payload, readers)
            call = _caller_notice(notifications, report, event, payload)
            if call is not None:
                calls.append(call)
            if event.is_public:
                public = _public_payload(report, event)
                hooks.append((f"report.{event.kind}", public))
                if event.from_status and event.from_status != event.to_status:
                    hooks.append(("report.status_changed", public))
            if payload.get("schedule_deadline"):  # rows written before submissions scheduled their own
                from congdanso.reports.services import schedule_deadline

                schedule_deadline(report)
            event.data = {**event.data, "announced": True}
        notifications.notify_many(notices)
        notifications.notify_contacts(calls)
        notifications.emit_webhooks(hooks)
        _mark_announced(events)
    _request_map_refresh()


def _mark_announced(events: list[ReportEvent]) -> None:
    """Write each event's data (now saying it was announced): one plain UPDATE per distinct value (a burst of
    submissions has one or two), not a CASE over every row."""
    by_data: dict[str, tuple[dict[str, Any], list[int]]] = {}
    for event in events:
        by_data.setdefault(json.dumps(event.data, sort_keys=True, default=str), (event.data, []))[1].append(event.pk)
    for data, ids in by_data.values():
        ReportEvent.objects.filter(pk__in=ids).update(data=data)


class _Audience:
    """Who hears of these events, read once for all of them: followers per report, staff per agency."""

    def __init__(self, events: list[ReportEvent], payloads: dict[int, dict[str, Any]]) -> None:
        self.followers: dict[int, set[int]] = {}
        public = [e.report_id for e in events if e.is_public and Audience.FOLLOWERS in audience(e.kind)]
        for report_id, user_id in Follow.objects.filter(report_id__in=public).values_list("report_id", "user_id"):
            self.followers.setdefault(report_id, set()).add(user_id)
        needs_staff = [e for e in events if Audience.NEW_WORK in audience(e.kind) or payloads[e.pk].get("triage")]
        agencies = {e.report.agency_id for e in needs_staff}
        self.staff: dict[int | None, set[int]] = {}
        if agencies - {None}:
            for agency_id, user_id in StaffRole.objects.filter(
                    agency_id__in=agencies - {None}, role__in=[Role.AGENCY_OFFICER, Role.AGENCY_ADMIN]
            ).values_list("agency_id", "user_id"):
                self.staff.setdefault(agency_id, set()).add(user_id)
        if None in agencies:
            self.staff[None] = set(StaffRole.objects.filter(role=Role.CITY_ADMIN).values_list("user_id", flat=True))


def _notices(notifications: Any, report: Report, event: ReportEvent, payload: dict[str, Any],
             readers: _Audience) -> list[Any]:
    Notice = notifications.Notice
    link = reverse("reports:detail", args=[report.code])
    due = timezone.localtime(report.resolve_due_at).strftime("%H:%M %d/%m/%Y") if report.resolve_due_at else ""
    context = {"code": report.code, "status": Status(report.status).label, "subject": _subject(report),
               "note": event.message if event.is_public else "", "result": report.resolution_note,
               "message": event.message if event.is_public else "", "due": due}
    actor_id = event.actor_id
    kind = event.kind
    tells = audience(kind)  # who is told, from the lifecycle table (states.ACTIONS)
    notices = []
    if event.is_public:
        if Audience.REPORTER in tells and report.reporter_id and report.reporter_id != actor_id:
            notices.append(Notice([report.reporter_id], "report_result" if kind == "resolve" else "report_status",
                                  context, link=link, obj=report))
        followers = readers.followers.get(report.pk, set()) - {report.reporter_id, actor_id}
        if Audience.FOLLOWERS in tells and followers:
            message = format_lazy("{}: {}. {}", report.code, context["status"], context["message"])
            notices.append(Notice(sorted(f for f in followers if f), "followed_update",
                                  {**context, "message": message}, link=link, obj=report))
    staff_link = reverse("reports_staff:detail", args=[report.pk])
    if Audience.NEW_WORK in tells or payload.get("triage"):
        ids = sorted(readers.staff.get(report.agency_id, set()) - {actor_id})
        if ids:
            notices.append(Notice(ids, "work_new", context, link=staff_link, obj=report))
    if Audience.ASSIGNEE in tells and report.assignee_id and report.assignee_id != actor_id:
        notices.append(Notice([report.assignee_id], "work_new", context, link=staff_link, obj=report))
    if Audience.ESCALATION in tells:
        ids = payload.get("staff_recipients") or []
        if ids:
            notices.append(Notice(ids, "work_overdue", context, link=staff_link, obj=report))
    return notices


def _caller_notice(notifications: Any, report: Report, event: ReportEvent, payload: dict[str, Any]) -> Any:
    """The SMS to a hotline caller who has no account and agreed to it (``sms_consent_at``): the tracking code when
    the report is filed, then each change of status the reporter is told of. The number is read when it is sent."""
    if report.reporter_id is not None or report.sms_consent_at is None or not event.is_public or not report.code:
        return None
    link = reverse("reports:detail", args=[report.code])
    if event.kind == EventKind.ROUTED or (event.kind == EventKind.SUBMITTED and payload.get("triage")):
        return notifications.ContactNotice("caller_receipt", {"code": report.code,
                                                              "channel": Channel(report.channel).label},
                                           obj=report, link=link)
    if (Audience.REPORTER not in audience(event.kind) or not event.from_status or not event.to_status
            or event.from_status == event.to_status):
        return None
    resolved = event.to_status == Status.RESOLVED
    context = {"code": report.code, "status": Status(event.to_status).label,
               "result": Truncator(report.resolution_note).chars(140) if resolved else "",
               "note": "" if resolved else Truncator(event.message).chars(140)}
    return notifications.ContactNotice("caller_update", context, obj=report, link=link)


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
    outbox.register_many("reports.event", handle_events)
    outbox.register("reports.deadline", handle_deadline)
    outbox.register("reports.forward_deadline", handle_forward_deadline)
    outbox.register("reports.autoclose", handle_autoclose)
    outbox.register("reports.map_refresh", handle_map_refresh)
