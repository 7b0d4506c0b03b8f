"""Shared helpers of report services: the topics, who may work on a report, and the one transition.

A transition locks the report (``select_for_update``), checks the move against ``states.TRANSITIONS``, saves,
appends a timeline row, writes an audit entry and the outbox rows (notifications, deadlines) in one transaction.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congdanso.accounts.actors import Actor, is_staff_member, signed_in
from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.core import audit, outbox
from congdanso.lib.images import ProcessedImage
from congdanso.reports import photos as photo_store
from congdanso.reports import states
from congdanso.reports.errors import BadMove, NotAllowed, ReportNotFound
from congdanso.reports.models import PhotoKind, Report, ReportEvent

EVENT_TOPIC = "reports.event"
DEADLINE_TOPIC = "reports.deadline"
FORWARD_DEADLINE_TOPIC = "reports.forward_deadline"
AUTOCLOSE_TOPIC = "reports.autoclose"
MAP_TOPIC = "reports.map_refresh"


def _now() -> dt.datetime:
    return timezone.now()


def tracking_code(report: Report) -> str:
    return f"PA-{timezone.localtime(report.created_at).year}-{report.pk:06d}"


def is_city_admin(user: Actor) -> bool:
    return signed_in(user) and has_role(user, Role.CITY_ADMIN)


def can_work_on(user: Actor, report: Report) -> bool:
    """City admins work on every report; agency staff on their agency's reports."""
    if not is_staff_member(user):
        return False
    if is_city_admin(user):
        return True
    return report.agency_id is not None and report.agency_id in agency_ids_of(user)


def _require_worker(user: Actor, report: Report) -> None:
    if not can_work_on(user, report):
        raise NotAllowed()


def _public_label(actor: Actor, report: Report) -> str:
    """Who acted, as the public may see it: the agency holding the report (or the coordinators when none does),
    never a person's name."""
    if is_staff_member(actor):
        if report.agency is not None:
            return report.agency.name
        return "@coordinator"
    if actor is None:
        return "@system"
    return "@reporter" if getattr(actor, "pk", None) == report.reporter_id else "@resident"


def _event(report: Report, kind: str, *, actor: Actor, from_status: str = "", message: str = "",
           public: bool | None = None, data: dict[str, Any] | None = None, actor_label: str | None = None
           ) -> ReportEvent:
    """A timeline row; public or not as the lifecycle table says unless ``public`` is given."""
    return ReportEvent.objects.create(
        report=report, kind=kind, from_status=from_status, to_status=report.status,
        actor=actor if signed_in(actor) else None,
        actor_label=(actor_label if actor_label is not None else _public_label(actor, report))[:200],
        agency=report.agency, message=message, is_public=states.is_public(kind) if public is None else public,
        data=data or {},
    )


def _announce(report: Report, event: ReportEvent, *, extra: dict[str, Any] | None = None) -> None:
    """The outbox row that tells the reporter and followers (notifications app) — in the caller's transaction."""
    payload = {"report_id": report.pk, "event_id": event.pk, "kind": event.kind, "code": report.code,
               "status": report.status}
    payload.update(extra or {})
    outbox.enqueue(EVENT_TOPIC, payload)


def get_report(report_or_id: Report | int) -> Report:
    pk = report_or_id.pk if isinstance(report_or_id, Report) else report_or_id
    try:
        return Report.objects.select_related("agency", "category", "ward").get(pk=pk)
    except Report.DoesNotExist as exc:
        raise ReportNotFound() from exc


def _locked(report_or_id: Report | int) -> Report:
    """The report, its row locked until the transaction ends (only its own row: ``of=self``), with its category,
    ward and agency read in the same query."""
    pk = report_or_id.pk if isinstance(report_or_id, Report) else report_or_id
    try:
        report = (Report.objects.select_for_update(of=("self",)).select_related("agency", "category", "ward")
                  .get(pk=pk))
    except Report.DoesNotExist as exc:
        raise ReportNotFound() from exc
    return report


def _check(action: str, report: Report) -> None:
    if not states.can(action, report.status):
        raise BadMove(
            _("Không thể thực hiện “%(action)s” khi phản ánh đang ở trạng thái “%(status)s”.")
            % {"action": states.EVENT_LABELS.get(action, action), "status": report.get_status_display()}
        )


def _stored_values(report: Report) -> dict[str, Any]:
    return {f.attname: copy.deepcopy(getattr(report, f.attname)) for f in Report._meta.concrete_fields
            if not f.primary_key}


def _transition(
    report_or_id: Report | int, action: str, *, actor: Actor, message: str = "",
    change: Callable[[Report], None] | None = None, data: dict[str, Any] | None = None,
    authorize: Callable[[Report], None] | None = None, photos: list[ProcessedImage] | None = None,
    photo_kind: str = PhotoKind.PROGRESS, notify: bool = True, request: Any = None,
    after: Callable[[Report], None] | None = None, label: str | None = None,
) -> Report:
    """Lock, authorise, check the move in ``states.ACTIONS``, change, save only the changed columns, then write the
    timeline row, photos, audit entry and (for public actions) the outbox row — all in one transaction.

    The timeline names who acted as they were before the change: a transfer is sent by the agency that held the
    report, a forward by the coordinators.
    """
    with photo_store.files_cleanup(), transaction.atomic():
        report = _locked(report_or_id)
        if authorize is not None:
            authorize(report)
        _check(action, report)
        label = label if label is not None else _public_label(actor, report)
        stored = _stored_values(report)
        before = report.status
        report.status = states.target(action, before)
        if change is not None:
            change(report)
        report.updated_at = _now()
        report.save(update_fields=[name for name, value in stored.items() if getattr(report, name) != value])
        public = states.is_public(action)
        event = _event(report, action, actor=actor, from_status=before, message=message, public=public,
                       data=data, actor_label=label)
        for image in photos or []:
            photo_store.store(report, image, kind=photo_kind, event=event)
        audit.record(f"report.{action}", actor=actor, obj=report, request=request, code=report.code,
                     from_status=before, to_status=report.status, **(data or {}))
        if notify and public:
            _announce(report, event)
        if after is not None:
            after(report)
    return report
