"""Business rules of incident reports. Every change is a ``verb_noun(..., actor=...)`` function here.

A transition locks the report (``select_for_update``), checks the move against ``states.TRANSITIONS``, saves,
appends a timeline row, writes an audit entry and the outbox rows (notifications, deadlines) in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from congdanso.accounts.models import StaffRole, User
from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.agencies.models import Agency, Category, Unit
from congdanso.core import audit, inserts, outbox
from congdanso.core.errors import DomainError
from congdanso.lib.geo import cell_of
from congdanso.lib.images import ProcessedImage
from congdanso.reports import photos as photo_store
from congdanso.reports import ratelimit, routing, sla, states
from congdanso.reports.errors import BadMove, IdempotencyConflict, NotAllowed, RateLimited, ReportNotFound, invalid
from congdanso.reports.models import (
    CategoryAttribute,
    Channel,
    Follow,
    IdentityGrant,
    PhotoKind,
    Priority,
    Report,
    ReportEvent,
    ReportPhoto,
)
from congdanso.reports.photos import Upload
from congdanso.reports.states import Status

EVENT_TOPIC = "reports.event"
DEADLINE_TOPIC = "reports.deadline"
FORWARD_DEADLINE_TOPIC = "reports.forward_deadline"
AUTOCLOSE_TOPIC = "reports.autoclose"
MAP_TOPIC = "reports.map_refresh"


# --- input --------------------------------------------------------------------------------------------------------

@dataclass
class ReportInput:
    category: str  # category code (also the Open311 service_code)
    description: str
    lat: float | None = None
    lon: float | None = None
    ward: str | None = None  # unit code chosen by the resident (used when no boundary contains the point)
    address: str = ""
    identity_hidden: bool = False
    priority: str = Priority.NORMAL
    attributes: dict[str, Any] = field(default_factory=dict)
    photos: list[Upload] = field(default_factory=list)
    channel: str = Channel.WEB
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    source_label: str = ""

    def fingerprint(self, photo_digests: Iterable[str]) -> str:
        body = {
            "category": self.category, "description": self.description.strip(), "lat": self.lat, "lon": self.lon,
            "ward": self.ward or "", "address": self.address.strip(), "hidden": bool(self.identity_hidden),
            "priority": self.priority, "attributes": self.attributes, "photos": sorted(photo_digests),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Submitted:
    report: Report
    created: bool  # False: the same idempotency key was sent again, the first report is returned


# --- helpers ------------------------------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return timezone.now()


def tracking_code(report: Report) -> str:
    return f"PA-{timezone.localtime(report.created_at).year}-{report.pk:06d}"


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "kind", "") == "staff")


def is_city_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and has_role(user, Role.CITY_ADMIN))


def can_work_on(user: Any, report: Report) -> bool:
    """City admins work on every report; agency staff on their agency's reports."""
    if not _is_staff(user):
        return False
    if is_city_admin(user):
        return True
    return report.agency_id is not None and report.agency_id in agency_ids_of(user)


def _require_worker(user: Any, report: Report) -> None:
    if not can_work_on(user, report):
        raise NotAllowed()


def _public_label(actor: Any, report: Report) -> str:
    if _is_staff(actor):
        if report.agency_id:
            return report.agency.name
        return "@coordinator"
    if actor is None:
        return "@system"
    return "@reporter" if actor.pk == report.reporter_id else "@resident"


def _event(report: Report, kind: str, *, actor: Any, from_status: str = "", message: str = "",
           public: bool = True, data: dict[str, Any] | None = None) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report, kind=kind, from_status=from_status, to_status=report.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_public_label(actor, report)[:200], agency=report.agency, message=message, is_public=public,
        data=data or {},
    )


def _announce(report: Report, event: ReportEvent, *, extra: dict[str, Any] | None = None) -> None:
    """The outbox row that tells the reporter and followers (notifications app) — in the caller's transaction."""
    payload = {"report_id": report.pk, "event_id": event.pk, "kind": event.kind, "code": report.code,
               "status": report.status}
    payload.update(extra or {})
    outbox.enqueue(EVENT_TOPIC, payload)


def schedule_deadline(report: Report) -> None:
    if report.resolve_due_at:
        delay = max(dt.timedelta(), report.resolve_due_at - _now()) + dt.timedelta(seconds=1)
        outbox.enqueue(DEADLINE_TOPIC, {"report_id": report.pk, "due": report.resolve_due_at.isoformat()},
                       delay=delay)
    if report.forwarded_at is None and report.forward_due_at:
        delay = max(dt.timedelta(), report.forward_due_at - _now()) + dt.timedelta(seconds=1)
        outbox.enqueue(FORWARD_DEADLINE_TOPIC, {"report_id": report.pk}, delay=delay)


def get_report(report_or_id: Report | int) -> Report:
    pk = report_or_id.pk if isinstance(report_or_id, Report) else report_or_id
    try:
        return Report.objects.select_related("agency", "category", "ward").get(pk=pk)
    except Report.DoesNotExist as exc:
        raise ReportNotFound() from exc


def _locked(report_or_id: Report | int) -> Report:
    pk = report_or_id.pk if isinstance(report_or_id, Report) else report_or_id
    try:
        report = Report.objects.select_for_update().get(pk=pk)
    except Report.DoesNotExist as exc:
        raise ReportNotFound() from exc
    return report


def _check(action: str, report: Report) -> None:
    if not states.can(action, report.status):
        raise BadMove(
            _("Không thể thực hiện “%(action)s” khi phản ánh đang ở trạng thái “%(status)s”.")
            % {"action": states.EVENT_LABELS.get(action, action), "status": report.get_status_display()}
        )


def _transition(
    report_or_id: Report | int, action: str, *, actor: Any, message: str = "", public: bool = True,
    change: Callable[[Report], None] | None = None, data: dict[str, Any] | None = None,
    authorize: Callable[[Report], None] | None = None, photos: list[ProcessedImage] | None = None,
    photo_kind: str = PhotoKind.PROGRESS, notify: bool = True, request: Any = None,
    after: Callable[[Report], None] | None = None,
) -> Report:
    with photo_store.files_cleanup(), transaction.atomic():
        report = _locked(report_or_id)
        if authorize is not None:
            authorize(report)
        _check(action, report)
        before = report.status
        report.status = states.target(action, before)
        if change is not None:
            change(report)
        report.updated_at = _now()
        report.save()
        report = get_report(report.pk)
        event = _event(report, action, actor=actor, from_status=before, message=message, public=public,
                       data=data)
        for image in photos or []:
            photo_store.store(report, image, kind=photo_kind, event=event)
        audit.record(f"report.{action}", actor=actor, obj=report, request=request, code=report.code,
                     from_status=before, to_status=report.status, **(data or {}))
        if notify and public:
            _announce(report, event)
        if after is not None:
            after(report)
    return report


# --- submitting ---------------------------------------------------------------------------------------------------

_CATEGORY_TTL = 30.0
_categories: dict[str, tuple[float, Category, list[CategoryAttribute]]] = {}


def _category(code: str) -> Category:
    """The active category with its extra questions, remembered per process for ``_CATEGORY_TTL`` seconds (every
    submission needs them; an administrator's change is seen within half a minute)."""
    now = time.monotonic()
    hit = _categories.get(code)
    if hit is not None and now - hit[0] < _CATEGORY_TTL:
        return hit[1]
    category = Category.objects.filter(code=code, is_active=True).select_related("default_agency").first()
    if category is None:
        _categories.pop(code, None)
        raise invalid("unknown_category")
    category._report_attributes = list(CategoryAttribute.objects.filter(category=category))  # type: ignore[attr-defined]
    _categories[code] = (now, category, category._report_attributes)  # type: ignore[attr-defined]
    return category


def forget_categories() -> None:
    _categories.clear()


def _check_attributes(category: Category, values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    attributes = getattr(category, "_report_attributes", None)
    if attributes is None:
        attributes = list(CategoryAttribute.objects.filter(category=category))
    for attribute in attributes:
        value = values.get(attribute.code)
        if value in (None, "", []):
            if attribute.required:
                raise invalid("attribute_required", name=attribute.description)
            continue
        if attribute.datatype == "number":
            try:
                value = float(value)
            except (TypeError, ValueError) as exc:
                raise invalid("attribute_invalid", name=attribute.description) from exc
        elif attribute.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v.get("key")) for v in attribute.values}
            chosen = value if isinstance(value, list) else [value]
            if any(str(v) not in keys for v in chosen) or (attribute.datatype == "singlevaluelist"
                                                             and len(chosen) != 1):
                raise invalid("attribute_invalid", name=attribute.description)
            value = chosen if attribute.datatype == "multivaluelist" else str(chosen[0])
        else:
            value = str(value)[:1000]
        clean[attribute.code] = value
    return clean


def _scoped_key(key: str, actor: Any, scope: str) -> str:
    owner = f"u{actor.pk}" if getattr(actor, "is_authenticated", False) else "anon"
    return f"{scope or owner}:{key}"[:80]


def submit_report(
    data: ReportInput, *, actor: Any, idempotency_key: str | None = None, ip: str | None = None,
    key_scope: str = "", on_behalf: bool = False, request: Any = None,
) -> Submitted:
    """File a new report (or return the one already filed under the same idempotency key).

    ``actor`` is the resident, or the staff member who types in a hotline call (``on_behalf``: the report has no
    resident account, the caller's contact details are kept encrypted). Raises ReportError (400), PhotoRejected,
    IdempotencyConflict (409), RateLimited (429).
    """
    description = (data.description or "").strip()
    if not description:
        raise invalid("description_required")
    if len(description) > 4000:
        raise invalid("description_too_long")
    category = _category(data.category)
    chosen_ward = None
    if data.ward:
        chosen_ward = Unit.objects.filter(code=data.ward).first()
        if chosen_ward is None:
            raise invalid("unknown_ward")
    if (data.lat is None) != (data.lon is None):
        raise invalid("location_required")
    if data.lat is not None and data.lon is not None and not routing.in_city(data.lat, data.lon):
        raise invalid("outside_city")
    if data.lat is None and chosen_ward is None:
        raise invalid("location_required")
    attributes = _check_attributes(category, data.attributes or {})
    if data.priority not in Priority.values:
        data.priority = Priority.NORMAL
    images = photo_store.prepare(data.photos)
    fingerprint = data.fingerprint(image.sha256 for image in images)
    key = _scoped_key(idempotency_key, actor, key_scope) if idempotency_key else None
    resident = actor if (getattr(actor, "is_authenticated", False) and not on_behalf) else None
    limits = []
    if resident is not None:
        limits.append((f"report:user:{resident.pk}", settings.REPORTS_RATE_PER_USER_HOUR))
    if ip and not on_behalf:
        limits.append((f"report:ip:{ip}", settings.REPORTS_RATE_PER_IP_HOUR))
    # Nearly every key is new: no look-up first. A key sent again fails the INSERT on its unique index, and the
    # first report is answered then; a replay is neither counted against the limits nor refused by them.
    try:
        counted = ratelimit.hit(*limits)
    except RateLimited:
        if key and (replayed := _replayed(key, fingerprint)) is not None:
            return replayed
        raise
    try:
        with photo_store.files_cleanup(), transaction.atomic():
            report = _create(data, category, chosen_ward, attributes, images, resident=resident, actor=actor,
                             key=key, fingerprint=fingerprint, description=description, request=request)
    except IntegrityError:
        if key and (replayed := _replayed(key, fingerprint)) is not None:
            ratelimit.refund(counted)
            return replayed
        raise
    return Submitted(report, True)


def _replayed(key: str, fingerprint: str) -> Submitted | None:
    """The report already filed under this idempotency key (409 if the body differs), or None."""
    existing = Report.objects.filter(idempotency_key=key).values_list("pk", "request_hash").first()
    if existing is None:
        return None
    if existing[1] != fingerprint:
        raise IdempotencyConflict()
    return Submitted(get_report(existing[0]), False)


def _next_report_id() -> int | None:
    """PostgreSQL: the id the next report will have, from its table's sequence, so that the report is inserted
    once with its tracking code; an UPDATE of the code right after the INSERT would write the row and each of its
    indexes a second time. None on engines without sequences (SQLite): insert, then set the code."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Report._meta.db_table])
        return int(cursor.fetchone()[0])


def _create(data: ReportInput, category: Category, chosen_ward: Unit | None, attributes: dict[str, Any],
            images: list[ProcessedImage], *, resident: Any, actor: Any, key: str | None, fingerprint: str,
            description: str, request: Any) -> Report:
    now = _now()
    place = routing.locate(data.lat, data.lon, chosen_ward)
    agency = routing.agency_for(category, place.ward)
    report = Report(
        category=category, description=description, attributes=attributes, lat=data.lat, lon=data.lon,
        address=data.address.strip()[:300], cell=cell_of(data.lat, data.lon) if data.lat is not None else None,
        ward=place.ward, ward_source=place.source, agency=agency,
        reporter=resident, identity_hidden=bool(data.identity_hidden and resident is not None),
        contact_name=data.contact_name.strip()[:200], contact_phone=data.contact_phone.strip()[:40],
        contact_email=data.contact_email.strip()[:200], channel=data.channel, source_label=data.source_label[:120],
        created_by=actor if getattr(actor, "is_authenticated", False) else None, priority=data.priority,
        idempotency_key=key, request_hash=fingerprint, created_at=now, updated_at=now,
        forward_due_at=sla.forward_due(category, now), resolve_due_at=sla.resolve_due(category, data.priority, now),
        forwarded_at=now if agency else None,
    )
    report.pk = _next_report_id()
    if report.pk is not None:  # written once, with its tracking code
        report.code = tracking_code(report)
        inserts.insert([report])
    else:
        inserts.insert([report])
        report.code = tracking_code(report)
        report.save(update_fields=["code"])
    # category, ward and agency stay cached on the instance: no re-read
    event = ReportEvent(report=report, kind="submitted", to_status=report.status, actor=resident,
                        actor_label="@reporter" if resident else f"@channel:{data.channel}",
                        data={"channel": data.channel}, created_at=now)
    second = (ReportEvent(report=report, kind="routed", to_status=report.status, actor_label=agency.name,
                          agency=agency, created_at=now) if agency is not None else
              ReportEvent(report=report, kind="triage", to_status=report.status, actor_label="@system",
                          created_at=now))
    inserts.insert([event, second])
    for image in images:
        photo_store.store(report, image, kind=PhotoKind.REPORT, event=event)
    # The deadline row is written by the worker that handles this announcement (off the request path).
    if agency is not None:
        _announce(report, second, extra={"agency_id": agency.pk, "schedule_deadline": True})
    else:
        _announce(report, event, extra={"triage": True, "schedule_deadline": True})
    audit.record("report.submitted", actor=actor, obj=report, request=request, code=report.code,
                 channel=data.channel, agency=agency.code if agency else None, photos=len(images))
    return report


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


def merge_report(report: Report | int, *, into: Report | int, actor: Any, request: Any = None) -> Report:
    """Mark ``report`` a duplicate of ``into``: its reporter and followers follow the survivor and are told."""
    survivor_id = into.pk if isinstance(into, Report) else into
    pk = report.pk if isinstance(report, Report) else report
    if survivor_id == pk:
        raise invalid("merge_self")
    with transaction.atomic():
        # Lock both in id order so two crossing merges cannot deadlock.
        locked = {r.pk: r for r in Report.objects.select_for_update().filter(pk__in=sorted([pk, survivor_id]))
                  .order_by("pk")}
        if pk not in locked or survivor_id not in locked:
            raise ReportNotFound()
        survivor = locked[survivor_id]
        if survivor.status not in states.OPEN and survivor.status != Status.RESOLVED:
            raise invalid("merge_target_closed")

        def authorize(r: Report) -> None:
            _require_worker(actor, r)

        def change(r: Report) -> None:
            r.duplicate_of_id = survivor_id
            r.closed_at = _now()

        merged = _transition(pk, "merge", actor=actor, authorize=authorize, change=change,
                             data={"into": survivor.code}, request=request)
        moved = 0
        people = set(Follow.objects.filter(report_id=pk).values_list("user_id", flat=True))
        if merged.reporter_id:
            people.add(merged.reporter_id)
        people.discard(survivor.reporter_id)
        already = set(Follow.objects.filter(report_id=survivor_id).values_list("user_id", flat=True))
        me_too = set(Follow.objects.filter(report_id=pk, me_too=True).values_list("user_id", flat=True))
        if merged.reporter_id:
            me_too.add(merged.reporter_id)
        new = [Follow(report_id=survivor_id, user_id=u, me_too=u in me_too) for u in people - already]
        Follow.objects.bulk_create(new)
        moved = len(new)
        Report.objects.filter(pk=survivor_id).update(
            follower_count=Follow.objects.filter(report_id=survivor_id).count(),
            me_too_count=Follow.objects.filter(report_id=survivor_id, me_too=True).count(),
            updated_at=_now(),
        )
        survivor = get_report(survivor_id)
        event = _event(survivor, "merged_in", actor=actor, data={"from": merged.code, "followers_moved": moved})
        _announce(survivor, event, extra={"merged_from": merged.pk})
    return merged


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


# --- staff: notes, moderation, identity ---------------------------------------------------------------------------

def add_note(report: Report | int, *, actor: Any, text: str, request: Any = None) -> ReportEvent:
    """An internal note: never public, never sent to the resident."""
    text = (text or "").strip()
    if not text:
        raise invalid("reason_required")
    with transaction.atomic():
        locked = _locked(report)
        _require_worker(actor, locked)
        locked = get_report(locked.pk)
        event = _event(locked, "note", actor=actor, message=text, public=False)
        audit.record("report.note", actor=actor, obj=locked, request=request)
    return event


def moderate_report(report: Report | int, *, actor: Any, description: str | None = None,
                    hidden: bool | None = None, reason: str = "", request: Any = None) -> Report:
    """Edit the public text (e.g. remove a phone number or an insult) or hide the report from the public."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    before: dict[str, Any] = {}

    def change(r: Report) -> None:
        if description is not None and description.strip() and description.strip() != r.description:
            before["description"] = r.description
            r.description = description.strip()[:4000]
        if hidden is not None and hidden != r.is_hidden:
            before["is_hidden"] = r.is_hidden
            r.is_hidden = hidden
            r.hidden_reason = reason[:300] if hidden else ""

    # The old text goes to the internal note (staff only), not to the public timeline.
    report = _transition(report, "moderate", actor=actor, message=reason, public=False,
                         authorize=lambda r: _require_worker(actor, r), change=change,
                         data={"changed": sorted(before)}, request=request)
    if before.get("description"):
        ReportEvent.objects.create(report=report, kind="note", actor=actor, actor_label=str(actor),
                                   is_public=False, message=_("Nội dung trước khi biên tập: %(text)s")
                                   % {"text": before["description"]})
    return report


def redact_photo(photo: ReportPhoto | int, *, actor: Any, boxes: list[tuple[float, float, float, float]],
                 blur: bool = False, request: Any = None) -> ReportPhoto:
    """Black out (or blur) regions of a photo — faces, number plates. The unredacted image is not kept."""
    from django.core.files.storage import default_storage

    from congdanso.lib.images import redact

    pk = photo.pk if isinstance(photo, ReportPhoto) else photo
    with photo_store.files_cleanup(), transaction.atomic():
        locked = (ReportPhoto.objects.select_for_update(of=("self",))
                  .select_related("report", "report__agency").get(pk=pk))
        _require_worker(actor, locked.report)
        with default_storage.open(locked.image.name, "rb") as handle:
            original = handle.read()
        content, thumbnail = redact(original, boxes, blur=blur)
        old = photo_store.replace(locked, content, thumbnail)
        locked.redacted_at = _now()
        locked.save()
        audit.record("report.photo_redacted", actor=actor, obj=locked.report, request=request, photo=locked.pk,
                     boxes=len(boxes))
        transaction.on_commit(lambda: photo_store.delete_files(old))
    return locked


def hide_photo(photo: ReportPhoto | int, *, actor: Any, hidden: bool = True, request: Any = None) -> ReportPhoto:
    pk = photo.pk if isinstance(photo, ReportPhoto) else photo
    with transaction.atomic():
        locked = (ReportPhoto.objects.select_for_update(of=("self",))
                  .select_related("report", "report__agency").get(pk=pk))
        _require_worker(actor, locked.report)
        locked.is_hidden = hidden
        locked.save(update_fields=["is_hidden"])
        audit.record("report.photo_hidden" if hidden else "report.photo_shown", actor=actor, obj=locked.report,
                     request=request, photo=locked.pk)
    return locked


def grant_identity(report: Report | int, *, grantee: User, actor: Any, reason: str, days: int | None = None,
                   request: Any = None) -> IdentityGrant:
    """A data protection officer lets one staff member see a hidden reporter's identity, for a while (audited)."""
    if not (_is_staff(actor) and has_role(actor, Role.DATA_PROTECTION_OFFICER)):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    with transaction.atomic():
        locked = _locked(report)
        grant = IdentityGrant.objects.create(
            report=locked, grantee=grantee, granted_by=actor, reason=reason[:500],
            expires_at=_now() + dt.timedelta(days=days or settings.REPORTS_IDENTITY_GRANT_DAYS),
        )
        audit.record("report.identity_granted", actor=actor, obj=locked, request=request, grantee=grantee.pk,
                     reason=reason[:500])
    return grant


@dataclass(frozen=True)
class Identity:
    name: str
    phone: str
    email: str
    account: str


def reporter_identity(report: Report, *, viewer: Any, request: Any = None) -> Identity | None:
    """Who reported, for a staff member allowed to know; every reveal is audited. None: not allowed or unknown.

    The public never sees it. The handling agency sees it unless the resident hid it; then only a grantee of a
    data protection officer (or a DPO) does.
    """
    if not _is_staff(viewer):
        return None
    is_dpo = has_role(viewer, Role.DATA_PROTECTION_OFFICER)
    if not (can_work_on(viewer, report) or is_dpo):
        return None
    if report.identity_hidden and not is_dpo:
        granted = IdentityGrant.objects.filter(report=report, grantee=viewer, expires_at__gt=_now()).exists()
        if not granted:
            return None
    reporter = User.objects.filter(pk=report.reporter_id).first() if report.reporter_id else None
    identity = Identity(
        name=(reporter.display_name if reporter else "") or report.contact_name,
        phone=report.contact_phone, email=report.contact_email,
        account=reporter.username if reporter else "",
    )
    if not (identity.name or identity.phone or identity.email):
        return None
    audit.record("report.identity_viewed", actor=viewer, obj=report, request=request,
                 hidden=report.identity_hidden)
    return identity


# --- deadlines (worker) -------------------------------------------------------------------------------------------

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


# --- boundaries ---------------------------------------------------------------------------------------------------

def import_boundaries(features: list[dict[str, Any]], *, actor: Any = None, code_property: str = "code"
                      ) -> dict[str, int]:
    """Load ward polygons from GeoJSON features whose ``properties[code_property]`` is a unit code."""
    from congdanso.lib.geo import geometry_bounds
    from congdanso.reports.models import WardBoundary

    units = {u.code: u for u in Unit.objects.all()}
    counts = {"imported": 0, "unknown": 0, "skipped": 0}
    with transaction.atomic():
        for feature in features:
            props = feature.get("properties") or {}
            geometry = feature.get("geometry")
            code = str(props.get(code_property) or props.get("ma") or props.get("ma_xa") or "").strip()
            unit = units.get(code.zfill(5) if code.isdigit() else code)
            if unit is None:
                counts["unknown"] += 1
                continue
            if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                counts["skipped"] += 1
                continue
            min_lon, min_lat, max_lon, max_lat = geometry_bounds(geometry)
            WardBoundary.objects.update_or_create(unit=unit, defaults={
                "geometry": geometry, "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon,
                "max_lat": max_lat, "imported_at": _now()})
            counts["imported"] += 1
        audit.record("reports.boundaries_imported", actor=actor, object_type="reports.wardboundary", **counts)
    routing.forget_boundaries()
    return counts
