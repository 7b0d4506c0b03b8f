"""Filing a report: the input, its checks, idempotency, rate limits and the first timeline rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from congdanso.accounts.actors import Actor, is_staff_member, signed_in
from congdanso.agencies.models import Category, Unit
from congdanso.core import audit
from congdanso.core.errors import DomainError
from congdanso.core.memo import Memo
from congdanso.lib import phone
from congdanso.lib.geo import cell_of
from congdanso.lib.images import ProcessedImage
from congdanso.reports import photos as photo_store
from congdanso.reports import ratelimit, routing, sla
from congdanso.reports.errors import IdempotencyConflict, NotAllowed, RateLimited, ReportError, invalid, raise_all
from congdanso.reports.models import (
    CategoryAttribute,
    Channel,
    PhotoKind,
    Priority,
    Report,
    ReportEvent,
)
from congdanso.reports.photos import Upload
from congdanso.reports.services.common import _announce, _now, get_report, tracking_code
from congdanso.reports.services.deadlines import schedule_deadline

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
    # The caller agreed to get the tracking code and status changes by SMS (hotline entry only: ``record_call``).
    sms_consent: bool = False

    def fingerprint(self, photo_digests: Iterable[str]) -> str:
        body = {
            "category": self.category, "description": self.description.strip(), "lat": self.lat, "lon": self.lon,
            "ward": self.ward or "", "address": self.address.strip(), "hidden": bool(self.identity_hidden),
            "priority": self.priority, "attributes": self.attributes, "photos": sorted(photo_digests),
        }
        if self.sms_consent:  # only when given, so the fingerprints of every other submission stay as they were
            body["sms_consent"] = True
        return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Submitted:
    report: Report
    created: bool  # False: the same idempotency key was sent again, the first report is returned


# --- submitting ---------------------------------------------------------------------------------------------------

# Every submission needs its category and questions; a change is seen at once in the process that made it and
# within half a minute elsewhere (core.memo).
_categories: Memo[Category | None] = Memo("reports.categories", ttl=30.0)


def _load_category(code: str) -> Category | None:
    category = Category.objects.filter(code=code, is_active=True).select_related("default_agency").first()
    if category is not None:
        category._report_attributes = list(CategoryAttribute.objects.filter(category=category))  # type: ignore[attr-defined]
    return category


def _category(code: str) -> Category:
    """The active category with its extra questions (``_report_attributes``)."""
    category = _categories.get(code, lambda: _load_category(code))
    if category is None:
        _categories.discard(code)  # not remembered: a category created in another process is found at once
        raise invalid("unknown_category")
    return category


def _check_attributes(category: Category, values: dict[str, Any], problems: list[DomainError] | None = None
                      ) -> dict[str, Any]:
    """The answers to the category's questions, checked; each problem is appended to ``problems`` (raised at once
    when no list is given), with the answer's field name ``attribute[code]``."""
    clean: dict[str, Any] = {}
    attributes = getattr(category, "_report_attributes", None)
    if attributes is None:
        attributes = list(CategoryAttribute.objects.filter(category=category))
    for attribute in attributes:
        value: Any = values.get(attribute.code)
        field = f"attribute[{attribute.code}]"
        problem = None
        if value in (None, "", []):
            if attribute.required:
                problem = invalid("attribute_required", field=field, name=attribute.description)
            else:
                continue
        elif attribute.datatype == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                problem = invalid("attribute_invalid", field=field, name=attribute.description)
        elif attribute.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v.get("key")) for v in attribute.values}
            chosen = value if isinstance(value, list) else [value]
            if any(str(v) not in keys for v in chosen) or (attribute.datatype == "singlevaluelist"
                                                             and len(chosen) != 1):
                problem = invalid("attribute_invalid", field=field, name=attribute.description)
            value = chosen if attribute.datatype == "multivaluelist" else str(chosen[0])
        else:
            value = str(value)[:1000]
        if problem is not None:
            if problems is None:
                raise problem
            problems.append(problem)
            continue
        clean[attribute.code] = value
    return clean


def check_report(data: ReportInput, *, call: bool = False
                 ) -> tuple[Category | None, Unit | None, dict[str, Any], list[DomainError]]:
    """Every business-rule problem of a new report at once (the form shows them all, each beside its field): the
    category, the chosen ward, the place, the description and the answers to the category's questions.

    ``call``: an officer types in a phoned-in report (``record_call``): the place is a ward and a street or place
    the caller describes (or a pin on the map); the caller's number must be a Vietnamese telephone number, stored
    in one form (E.164), and a mobile when the caller agreed to SMS. ``data.contact_phone`` is replaced by that
    form."""
    problems: list[DomainError] = []  # in the form's order: category, its questions, place, description
    category = None
    if not data.category:
        problems.append(invalid("category_required", field="category"))
    else:
        try:
            category = _category(data.category)
        except ReportError as exc:
            exc.field = "category"
            problems.append(exc)
    attributes = _check_attributes(category, data.attributes or {}, problems) if category is not None else {}
    chosen_ward = None
    if data.ward:
        chosen_ward = Unit.objects.filter(code=data.ward).first()
        if chosen_ward is None:
            problems.append(invalid("unknown_ward", field="ward"))
    if (data.lat is None) != (data.lon is None):
        problems.append(invalid("location_required", field="location"))
    elif data.lat is not None and data.lon is not None and not routing.in_city(data.lat, data.lon, chosen_ward):
        problems.append(invalid("outside_city", field="location"))
    elif data.lat is None and chosen_ward is None and not data.ward:
        problems.append(invalid("ward_required" if call else "location_required", field="ward" if call else "location"))
    if call and data.lat is None and not data.address.strip():
        problems.append(invalid("address_required", field="address"))
    description = (data.description or "").strip()
    if not description:
        problems.append(invalid("description_required", field="description"))
    elif len(description) > 4000:
        problems.append(invalid("description_too_long", field="description"))
    if call:
        _check_caller(data, problems)
    return category, chosen_ward, attributes, problems


def _check_caller(data: ReportInput, problems: list[DomainError]) -> None:
    """The caller's number in E.164 (refused when it is not a Vietnamese number; a mobile when SMS was agreed)."""
    typed = (data.contact_phone or "").strip()
    if not typed:
        if data.sms_consent:
            problems.append(invalid("sms_phone_required", field="contact_phone"))
        return
    try:
        number = phone.parse(typed)
    except phone.PhoneRejected:
        problems.append(invalid("bad_phone", field="contact_phone"))
        return
    data.contact_phone = number.e164
    if data.sms_consent and not number.mobile:
        problems.append(invalid("sms_needs_mobile", field="contact_phone"))


def _scoped_key(key: str, actor: Actor, scope: str) -> str:
    owner = f"u{actor.pk}" if signed_in(actor) else "anon"
    return f"{scope or owner}:{key}"[:80]


def submit_report(
    data: ReportInput, *, actor: Actor, idempotency_key: str | None = None, ip: str | None = None,
    key_scope: str = "", on_behalf: bool = False, call: bool = False, request: Any = None,
) -> Submitted:
    """File a new report (or return the one already filed under the same idempotency key).

    ``actor`` is the resident, or the staff member who types in a hotline call (``on_behalf``: the report has no
    resident account, the caller's contact details are kept encrypted). Raises ReportError (400), PhotoRejected,
    IdempotencyConflict (409), RateLimited (429). ``call``: see ``record_call``.
    """
    if not call:
        data.sms_consent = False  # asked and recorded by a hotline officer only
    category, chosen_ward, attributes, problems = check_report(data, call=call)
    raise_all(problems)
    assert category is not None
    description = data.description.strip()
    if data.priority not in Priority.values:
        data.priority = Priority.NORMAL
    try:
        images = photo_store.prepare(data.photos)
    except ReportError as exc:
        exc.field = exc.field or "photos"
        raise
    fingerprint = data.fingerprint(image.sha256 for image in images)
    key = _scoped_key(idempotency_key, actor, key_scope) if idempotency_key else None
    resident = actor if (signed_in(actor) and not on_behalf) else None
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


def record_call(data: ReportInput, *, actor: Actor, idempotency_key: str | None = None, request: Any = None
                ) -> Submitted:
    """A hotline officer (or one taking a report by e-mail or Zalo) records a report for a caller who has no
    account: the place by ward and street (or a pin), the caller's contact kept encrypted, and — when the caller
    agreed — ``sms_consent_at`` set and the officer who recorded the consent audited, in the report's transaction.
    The caller is then texted the tracking code and each change of status (``events``). Raises NotAllowed for
    anyone but staff, and what ``submit_report`` raises."""
    if not is_staff_member(actor):
        raise NotAllowed(_("Chỉ cán bộ mới ghi nhận phản ánh thay người gọi."))
    return submit_report(data, actor=actor, on_behalf=True, call=True, idempotency_key=idempotency_key,
                         key_scope=f"staff{actor.pk}", request=request)


def _replayed(key: str, fingerprint: str) -> Submitted | None:
    """The report already filed under this idempotency key (409 if the body differs), or None."""
    existing = Report.objects.filter(idempotency_key=key).values_list("pk", "request_hash").first()
    if existing is None:
        return None
    if existing[1] != fingerprint:
        raise IdempotencyConflict()
    return Submitted(get_report(existing[0]), False)


def _create(data: ReportInput, category: Category, chosen_ward: Unit | None, attributes: dict[str, Any],
            images: list[ProcessedImage], *, resident: Any, actor: Actor, key: str | None, fingerprint: str,
            description: str, request: Any) -> Report:
    now = _now()
    place = routing.locate(data.lat, data.lon, chosen_ward)
    agency = routing.agency_for(category, place.ward)
    report = Report(
        category=category, description=description, attributes=attributes, lat=data.lat, lon=data.lon,
        address=data.address.strip()[:300],
        cell=cell_of(data.lat, data.lon) if data.lat is not None and data.lon is not None else None,
        ward=place.ward, ward_source=place.source, agency=agency,
        reporter=resident, identity_hidden=bool(data.identity_hidden and resident is not None),
        contact_name=data.contact_name.strip()[:200], contact_phone=data.contact_phone.strip()[:40],
        contact_email=data.contact_email.strip()[:200], channel=data.channel, source_label=data.source_label[:120],
        sms_consent_at=now if (data.sms_consent and data.contact_phone and resident is None) else None,
        created_by=actor if signed_in(actor) else None, priority=data.priority,
        idempotency_key=key, request_hash=fingerprint, created_at=now, updated_at=now,
        forward_due_at=sla.forward_due(category, now), resolve_due_at=sla.resolve_due(category, data.priority, now),
        forwarded_at=now if agency else None,
    )
    report.save(force_insert=True)
    # The tracking code is made of the id, known once the row is written.
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
    event.save(force_insert=True)
    second.save(force_insert=True)
    for image in images:
        photo_store.store(report, image, kind=PhotoKind.REPORT, event=event)
    if agency is not None:
        _announce(report, second, extra={"agency_id": agency.pk})
    else:
        _announce(report, event, extra={"triage": True})
    schedule_deadline(report)  # delayed rows: the sweeper hints them once due
    audit.record("report.submitted", actor=actor, obj=report, request=request, code=report.code,
                 channel=data.channel, agency=agency.code if agency else None, photos=len(images))
    if report.sms_consent_at is not None:  # who asked the caller and recorded the answer
        audit.record("report.sms_consent_recorded", actor=actor, obj=report, request=request, code=report.code,
                     channel=data.channel)
    return report
