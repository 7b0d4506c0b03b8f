"""Notification services: ``notify`` (fan-out in the caller's transaction), preferences, push subscriptions,
reading the inbox, push receipts, announcements and webhooks.

``notify(recipients, kind, context, link=…, actor=…)`` is the one entry point for every app. Call it inside the
transaction that changes the domain object: the inbox rows, one delivery row per other channel (per device for
Web Push) and the outbox rows that make workers deliver them are written in that transaction, in batches.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congdanso.accounts.roles import Role
from congdanso.accounts.services import has_role
from congdanso.core import audit, outbox, outgoing
from congdanso.core.cache import count as count_hits
from congdanso.notifications import channels, contacts, kinds, receipts, rendering, subjects, verification
from congdanso.notifications.bulk import insert_returning
from congdanso.notifications.errors import (
    AnnouncementNotAllowed,
    InvalidAnnouncement,
    InvalidPreference,
    InvalidSubscription,
    InvalidWebhook,
    LookupLimited,
    NotificationNotFound,
    ResidentNotFound,
)
from congdanso.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    Preference,
    PushSubscription,
    Webhook,
)
from congdanso.notifications.queries import audience

# Proving an e-mail address or phone number with a one-time code (verification.py): services of this app too.
from congdanso.notifications.verification import confirm_contact as confirm_contact
from congdanso.notifications.verification import remove_contact as remove_contact
from congdanso.notifications.verification import send_verification_code as send_verification_code

logger = logging.getLogger(__name__)

DELIVER_TOPIC = "notifications.deliver"
WEBHOOK_TOPIC = "notifications.webhook"
FAN_OUT_CHUNK = 5000
OPTIONAL_CHANNELS = (Channel.WEBPUSH, Channel.EMAIL, Channel.SMS)


# --- fan-out ----------------------------------------------------------------------------------------------------

def _user_ids(recipients: Iterable[Any]) -> list[int]:
    seen: dict[int, None] = {}
    for item in recipients:
        pk = item if isinstance(item, int) else getattr(item, "pk", None)
        if pk is not None:
            seen[int(pk)] = None
    return list(seen)


def channels_for(pref: Preference | None, kind: kinds.Kind) -> tuple[str, ...]:
    chosen = kind.default_channels
    if pref is not None and kind.code in (pref.channels or {}):
        chosen = tuple(pref.channels[kind.code])
    return tuple(c for c in chosen if c in kind.allowed_channels)


def quiet_until(pref: Preference | None, now: dt.datetime) -> dt.datetime | None:
    """When the recipient's quiet hours end, if ``now`` falls inside them (local time of the city)."""
    if pref is None or pref.quiet_start is None or pref.quiet_end is None or pref.quiet_start == pref.quiet_end:
        return None
    local = timezone.localtime(now)
    start, end, t = pref.quiet_start, pref.quiet_end, local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)


@dataclass
class Notice:
    """One message for some recipients (users or ids): what ``notify`` takes, for ``notify_many``."""

    recipients: Iterable[Any]
    kind: str
    context: dict[str, Any]
    link: str = ""
    actor: Any = None
    obj: models.Model | None = None
    object_type: str = ""
    object_id: str = ""
    urgent: bool | None = None


def notify(
    recipients: Iterable[Any],
    kind: str,
    context: dict[str, Any],
    *,
    link: str = "",
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    urgent: bool | None = None,
) -> int:
    """Notify ``recipients`` (users or ids) of ``kind``. Returns how many inbox notifications were written.

    ``context`` fills the kind's template and must be the same for everyone (it is rendered once per language).
    """
    return notify_many([Notice(recipients, kind, context, link=link, actor=actor, obj=obj, object_type=object_type,
                               object_id=object_id, urgent=urgent)])


@dataclass
class _Part:
    """Some recipients of one notice, resolved."""

    index: int
    user_ids: list[int]
    kind: kinds.Kind
    context: dict[str, Any]
    link: str
    actor_id: int | None
    object_type: str
    object_id: str
    urgent: bool


def notify_many(notices: Iterable[Notice]) -> int:
    """Write several notices at once: one read of the recipients' settings, one INSERT of the inbox rows, one of
    the deliveries and one outbox row per ``NOTIFY_BATCH_SIZE`` deliveries, for up to ``FAN_OUT_CHUNK``
    recipients at a time. Returns how many inbox notifications were written."""
    parts: list[_Part] = []
    for index, notice in enumerate(notices):
        kind_def = kinds.get(notice.kind)
        user_ids = _user_ids(notice.recipients)
        if not user_ids:
            continue
        object_type, object_id = notice.object_type, notice.object_id
        if notice.obj is not None:
            object_type = object_type or notice.obj._meta.label_lower
            object_id = object_id or str(notice.obj.pk)
        urgent = kind_def.urgent if notice.urgent is None else notice.urgent
        actor_id = notice.actor.pk if getattr(notice.actor, "is_authenticated", False) else None
        for start in range(0, len(user_ids), FAN_OUT_CHUNK):
            parts.append(_Part(index, user_ids[start:start + FAN_OUT_CHUNK], kind_def, notice.context, notice.link,
                               actor_id, object_type, str(object_id), urgent))
    if not parts:
        return 0
    rendered: dict[tuple[int, str], rendering.Rendered] = {}
    total = 0
    # No savepoint inside the caller's transaction: a failure here fails the whole change, as it must.
    with transaction.atomic(savepoint=False):
        batch: list[_Part] = []
        size = 0
        for part in parts:
            if batch and size + len(part.user_ids) > FAN_OUT_CHUNK:
                total += _fan_out(batch, rendered)
                batch, size = [], 0
            batch.append(part)
            size += len(part.user_ids)
        total += _fan_out(batch, rendered)
    return total


@dataclass
class _Row:
    """One inbox notification about to be written (or merged into one written a moment ago)."""

    user_id: int
    part: _Part
    language: str
    text: rendering.Rendered
    plan: list[tuple[str, int | None, dt.datetime, dt.datetime]]  # (channel, target, available at, expires at)
    count: int = 1


def _group_key(user_id: int, kind: kinds.Kind, object_type: str, object_id: str,
               text: rendering.Rendered, link: str) -> tuple[Any, ...]:
    """What makes two notifications one: updates of one object in the same group of kinds for one person; for a
    kind without a group, only an exact repeat (same object, same text)."""
    if kind.group and object_type and object_id:
        return (user_id, "g", kind.group, object_type, object_id)
    return (user_id, "k", kind.code, object_type, object_id, text.title, text.body, link)


def _fan_out(parts: list[_Part], rendered: dict[tuple[int, str], rendering.Rendered]) -> int:
    now = timezone.now()
    wants_push = any(Channel.WEBPUSH in part.kind.allowed_channels for part in parts)
    found = audience(sorted({u for part in parts for u in part.user_ids}), with_push=wants_push)
    by_user = {recipient.user_id: recipient for recipient in found.recipients}
    rows: dict[tuple[Any, ...], _Row] = {}
    for part in parts:
        kind = part.kind
        expires_at = now + kind.ttl
        for user_id in part.user_ids:
            recipient = by_user.get(user_id)
            if recipient is None:  # unknown or inactive
                continue
            language = rendering.normalise_language(recipient.language)
            key = (part.index, language)
            if key not in rendered:
                rendered[key] = rendering.render(kind.code, language, part.context)
            text = rendered[key]
            pref = found.preferences.get(user_id)
            available_at = now if part.urgent else (quiet_until(pref, now) or now)
            plan = [(code, target, available_at, expires_at) for code in channels_for(pref, kind)
                    for target in channels.get(code).reaches(recipient)]
            row = _Row(user_id, part, language, text, plan)
            group = _group_key(user_id, kind, part.object_type, part.object_id, text, part.link)
            previous = rows.pop(group, None)
            if previous is not None:  # several updates in one batch: one notification, the latest text
                if previous.text == text and previous.part.kind.code == kind.code:
                    rows[group] = previous  # the same message twice: once
                    continue
                row.count = previous.count + 1
                row.plan = previous.plan + [p for p in plan if p[:2] not in {q[:2] for q in previous.plan}]
            rows[group] = row
    fresh = _merge_recent(rows, now)
    notifications = [(r.user_id, r.part.kind.code, r.language, r.text.title, r.text.body, r.part.link,
                      r.part.object_type, r.part.object_id, r.part.actor_id, r.part.urgent, now, r.count)
                     for r in fresh]
    notification_ids = insert_returning(Notification, NOTIFICATION_FIELDS, notifications)
    deliveries = [
        (notification_id, code, target, DeliveryStatus.QUEUED.value, 0, available_at, expires_at, "", "", now)
        for notification_id, row in zip(notification_ids, fresh, strict=True)
        for code, target, available_at, expires_at in row.plan
    ]
    _write_deliveries(deliveries, now)
    return len(rows)


def _write_deliveries(deliveries: list[tuple[Any, ...]], now: dt.datetime) -> None:
    delivery_ids = insert_returning(Delivery, DELIVERY_FIELDS, deliveries)
    _enqueue_deliveries([(pk, row[5]) for pk, row in zip(delivery_ids, deliveries, strict=True)], now)


def _merge_recent(rows: dict[tuple[Any, ...], _Row], now: dt.datetime) -> list[_Row]:
    """Fold ``rows`` into the notifications written for the same people and objects within the group window (one
    query to find them): a repeat is dropped; an update replaces the text of the earlier notification, counts one
    more, makes it unread again and queues its channels once more, not before the window ends (so five updates in
    a minute are one inbox entry and at most two pushes, the second replacing the first on the device: same tag).
    Returns the rows that are new notifications."""
    window = dt.timedelta(seconds=max(0, settings.NOTIFY_GROUP_SECONDS))
    about = [r for r in rows.values() if r.part.object_type and r.part.object_id]
    if not about or not window:
        return list(rows.values())
    groups = {r.part.kind.group for r in about if r.part.kind.group}
    codes = {r.part.kind.code for r in about} | {k.code for k in kinds.all_kinds() if k.group in groups}
    recent: dict[tuple[Any, ...], tuple[int, str, str, str, dt.datetime]] = {}
    for pk, user_id, code, object_type, object_id, title, body, link, created_at in (
            Notification.objects.filter(
                created_at__gte=now - window, recipient_id__in={r.user_id for r in about}, kind__in=codes,
                object_type__in={r.part.object_type for r in about}, object_id__in={r.part.object_id for r in about})
            .order_by("created_at", "pk")
            .values_list("pk", "recipient_id", "kind", "object_type", "object_id", "title", "body", "link",
                         "created_at")):
        key = _group_key(user_id, kinds.get(code), object_type, object_id, rendering.Rendered(title, body), link)
        recent[key] = (pk, code, title, body, created_at)  # the latest one wins
    fresh: list[_Row] = []
    merged: list[tuple[int, _Row, dt.datetime]] = []
    for key, row in rows.items():
        earlier = recent.get(key)
        if earlier is None:
            fresh.append(row)
            continue
        pk, code, title, body, created_at = earlier
        if (code, title, body) == (row.part.kind.code, row.text.title, row.text.body):
            continue  # the same message again (a repeated event): nothing new to tell
        merged.append((pk, row, created_at + window))
    if merged:
        _apply_merges(merged, now)
    return fresh


def _apply_merges(merged: list[tuple[int, _Row, dt.datetime]], now: dt.datetime) -> None:
    by_change: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for pk, row, _until in merged:
        part = row.part
        by_change[(part.kind.code, row.language, row.text.title, row.text.body, part.link, part.actor_id,
                   part.urgent, row.count)].append(pk)
    for (code, language, title, body, link, actor_id, urgent, count), ids in by_change.items():
        Notification.objects.filter(pk__in=ids).update(
            kind=code, language=language, title=title, body=body, link=link, actor_id=actor_id, urgent=urgent,
            read_at=None, updated_at=now, group_count=models.F("group_count") + count)
    waiting = set(Delivery.objects.filter(notification_id__in=[pk for pk, _row, _until in merged],
                                          status=DeliveryStatus.QUEUED)
                  .values_list("notification_id", "channel", "subscription_id"))
    deliveries = [
        (pk, code, target, DeliveryStatus.QUEUED.value, 0, available_at if row.part.urgent else
         max(available_at, until), expires_at, "", "", now)
        for pk, row, until in merged
        for code, target, available_at, expires_at in row.plan
        if (pk, code, target) not in waiting  # a queued delivery will carry the new text already
    ]
    _write_deliveries(deliveries, now)


NOTIFICATION_FIELDS = ("recipient", "kind", "language", "title", "body", "link", "object_type", "object_id", "actor",
                       "urgent", "created_at", "group_count")
DELIVERY_FIELDS = ("notification", "channel", "subscription", "status", "attempts", "available_at", "expires_at",
                   "claimed_by", "last_error", "created_at")


def _enqueue_deliveries(deliveries: list[tuple[int, dt.datetime]], now: dt.datetime) -> None:
    by_time: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, available_at in deliveries:
        by_time[available_at].append(pk)
    size = settings.NOTIFY_BATCH_SIZE
    for when, ids in by_time.items():
        # One outbox row, hence one task, per batch: a large fan-out spreads over every worker process.
        for start in range(0, len(ids), size):
            outbox.enqueue(DELIVER_TOPIC, {"ids": ids[start:start + size]},
                           delay=when - now if when > now else None)


# --- people without an account (a hotline caller who agreed to SMS) ---------------------------------------------------

@dataclass
class ContactNotice:
    """One SMS about ``obj`` to the person the owning app keeps a number for (``contacts.register``)."""

    kind: str  # a kind with ``to_contacts``
    context: dict[str, Any]
    obj: models.Model
    link: str = ""
    actor: Any = None
    language: str = "vi"


def notify_contacts(notices: Iterable[ContactNotice]) -> int:
    """Write, in the caller's transaction, a notification with no recipient and one SMS delivery per notice; the
    number is read when the SMS is sent (``contacts.py``). An update of a kind with a ``group`` waits
    ``NOTIFY_GROUP_SECONDS`` and, while it waits, a later update of the same object replaces its text: three status
    changes in a minute are one SMS. Returns how many notifications were written or updated."""
    notices = list(notices)
    if not notices:  # most event batches text nobody: no savepoint for them
        return 0
    now = timezone.now()
    window = dt.timedelta(seconds=max(0, settings.NOTIFY_GROUP_SECONDS))
    queued: list[tuple[int, dt.datetime]] = []
    count = 0
    with transaction.atomic():
        for notice in notices:
            kind = kinds.get(notice.kind)
            object_type, object_id = notice.obj._meta.label_lower, str(notice.obj.pk)
            if not kind.to_contacts or not contacts.is_registered(object_type):
                raise ValueError(f"{kind.code} to a contact of {object_type}: not a contact kind or no number lookup")
            text = rendering.render(kind.code, notice.language, notice.context)
            actor_id = notice.actor.pk if getattr(notice.actor, "is_authenticated", False) else None
            count += 1
            if kind.group and window:
                waiting = (Notification.objects.filter(
                    recipient__isnull=True, kind=kind.code, object_type=object_type, object_id=object_id,
                    deliveries__status=DeliveryStatus.QUEUED, deliveries__available_at__gt=now)
                    .order_by("-pk").values_list("pk", flat=True).first())
                if waiting is not None:  # still waiting to be sent: it carries the new text
                    Notification.objects.filter(pk=waiting).update(
                        title=text.title, body=text.body, link=notice.link, actor_id=actor_id, updated_at=now,
                        group_count=models.F("group_count") + 1)
                    continue
            notification = Notification.objects.create(
                recipient=None, kind=kind.code, language=rendering.normalise_language(notice.language),
                title=text.title, body=text.body, link=notice.link, object_type=object_type, object_id=object_id,
                actor_id=actor_id, urgent=False, created_at=now)
            available_at = now + window if kind.group else now
            delivery = Delivery.objects.create(notification=notification, channel=Channel.SMS,
                                               available_at=available_at, expires_at=now + kind.ttl, created_at=now)
            queued.append((delivery.pk, available_at))
        _enqueue_deliveries(queued, now)
    return count


# --- preferences --------------------------------------------------------------------------------------------------

def update_preferences(user: Any, *, channels_by_kind: dict[str, list[str]], quiet_start: dt.time | None,
                       quiet_end: dt.time | None, email: str | None = None, phone: str | None = None,
                       actor: Any = None) -> Preference:
    """Channels per kind and quiet hours; ``email``/``phone`` (None: unchanged, "": removed) change the addresses,
    and a changed address must be proved again (``verification``). E-mail and SMS may be chosen only for a proved
    address: ChannelNotVerified otherwise."""
    clean: dict[str, list[str]] = {}
    for code, chosen in channels_by_kind.items():
        kind = kinds.get(code)
        bad = [c for c in chosen if c not in kind.allowed_channels]
        if bad:
            raise InvalidPreference(_("Kênh không hợp lệ cho loại thông báo này: %(c)s") % {"c": ", ".join(bad)})
        clean[code] = [c for c in OPTIONAL_CHANNELS if c in chosen]
    if (quiet_start is None) != (quiet_end is None):
        raise InvalidPreference(_("Hãy nhập cả giờ bắt đầu và giờ kết thúc khoảng yên lặng."))
    with transaction.atomic():
        pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
        for code, value in ((Channel.EMAIL, email), (Channel.SMS, phone)):
            if value is not None:
                verification.apply_contact(pref, code, verification.normalise_address(code, value, allow_blank=True))
        verification.check_channels(pref, clean)
        pref.channels = clean
        pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
        pref.save()
        audit.record("notifications.preferences_changed", actor=actor or user, obj=pref,
                     kinds=sorted(clean), quiet=bool(quiet_start))
    return pref


# --- push subscriptions ---------------------------------------------------------------------------------------------

def parse_subscription(raw: bytes | str | dict[str, Any]) -> dict[str, str]:
    """Check a browser's PushSubscription JSON; raise InvalidSubscription with a message saying what is wrong."""
    if isinstance(raw, bytes | str):
        try:
            data = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise InvalidSubscription(_("Dữ liệu đăng ký thông báo đẩy không phải JSON hợp lệ.")) from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise InvalidSubscription(_("Dữ liệu đăng ký thông báo đẩy phải là một đối tượng JSON."))
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidSubscription(_("Thiếu địa chỉ dịch vụ đẩy (endpoint)."))
    if not endpoint.lower().startswith(("https://", "http://")):
        raise InvalidSubscription(_("Địa chỉ dịch vụ đẩy phải dùng https."))
    if len(endpoint) > 2000:
        raise InvalidSubscription(_("Địa chỉ dịch vụ đẩy không hợp lệ."))
    try:
        target = outgoing.check_url(endpoint)
    except outgoing.OutgoingRefused as exc:
        logger.info("push endpoint refused: %s", exc)
        raise InvalidSubscription(
            _("Địa chỉ dịch vụ đẩy không hợp lệ: chỉ nhận địa chỉ công khai trên Internet.")) from None
    if target.scheme != "https" and not outgoing.is_allowed_host(target.host):
        raise InvalidSubscription(_("Địa chỉ dịch vụ đẩy phải dùng https."))
    if not isinstance(keys, dict) or not isinstance(keys.get("p256dh"), str) or not isinstance(keys.get("auth"), str):
        raise InvalidSubscription(_("Thiếu khoá mã hoá (keys.p256dh, keys.auth)."))
    from congdanso.notifications.vapid import b64url_decode

    try:
        point = b64url_decode(keys["p256dh"])
        secret = b64url_decode(keys["auth"])
    except ValueError:
        raise InvalidSubscription(_("Khoá mã hoá không đúng định dạng base64url.")) from None
    if len(point) != 65 or point[0] != 4:
        raise InvalidSubscription(_("Khoá p256dh phải là một điểm P-256 không nén (65 byte)."))
    if len(secret) != 16:
        raise InvalidSubscription(_("Bí mật xác thực (auth) phải dài 16 byte."))
    return {"endpoint": endpoint, "p256dh": keys["p256dh"].rstrip("="), "auth": keys["auth"].rstrip("=")}


def parse_endpoint(raw: bytes | str) -> str:
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidSubscription(_("Dữ liệu gửi lên không phải JSON hợp lệ.")) from None
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidSubscription(_("Thiếu địa chỉ dịch vụ đẩy (endpoint)."))
    return endpoint


def save_subscription(user: Any, raw: bytes | str | dict[str, Any], *, session_key: str = "",
                      user_agent: str = "") -> PushSubscription:
    data = parse_subscription(raw)
    with transaction.atomic():
        subscription, created = PushSubscription.objects.update_or_create(
            endpoint_hash=PushSubscription.hash_endpoint(data["endpoint"]),
            defaults={"user": user, "endpoint": data["endpoint"], "p256dh": data["p256dh"], "auth": data["auth"],
                      "session_key": session_key or "", "user_agent": user_agent[:200]},
        )
        if created:
            audit.record("notifications.push_subscribed", actor=user, obj=subscription)
    return subscription


def remove_subscription(user: Any, endpoint: str) -> int:
    deleted, _rows = PushSubscription.objects.filter(
        user=user, endpoint_hash=PushSubscription.hash_endpoint(endpoint)).delete()
    return deleted


def remove_session_subscriptions(user: Any, session_key: str | None) -> int:
    if not session_key or user is None:
        return 0
    deleted, _rows = PushSubscription.objects.filter(user=user, session_key=session_key).delete()
    return deleted


# --- inbox --------------------------------------------------------------------------------------------------------

def mark_read(user: Any, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotificationNotFound(_("Không tìm thấy thông báo."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def record_receipt(delivery_id: int, token: str) -> bool:
    """The service worker showed a push: the delivery is delivered. Unknown ids and bad tokens change nothing."""
    if not receipts.valid(delivery_id, token):
        return False
    now = timezone.now()
    Delivery.objects.filter(pk=delivery_id, status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING,
                                                       DeliveryStatus.QUEUED]).update(
        status=DeliveryStatus.DELIVERED, delivered_at=now)
    return True


# --- announcements (back office) ------------------------------------------------------------------------------------
# Finding a resident by personal ID number tells the sender a name: only the roles that write to residents on the
# city's behalf may do it (city and agency admins), each lookup needs a stated reason, is counted against a
# per-staff hourly limit and is audited; the sender then sees only a masked name and confirms before sending.

ANNOUNCE_ROLES = (Role.CITY_ADMIN, Role.AGENCY_ADMIN)
REASON_MIN = 10


def can_announce(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "kind", "") == "staff"
                and has_role(user, *ANNOUNCE_ROLES))


def mask_name(name: str) -> str:
    """"Nguyễn Thị Lan" → "N. T. Lan": enough to notice a wrong person, not enough to learn who it is."""
    words = name.split()
    if not words:
        return "—"
    return " ".join([f"{w[0]}." for w in words[:-1]] + [words[-1]])


def _count_lookup(actor: Any) -> None:
    limit = settings.ANNOUNCE_LOOKUPS_PER_HOUR
    if limit <= 0:
        return
    bucket = f"rl:announce-lookup:{actor.pk}:{int(time.time() // 3600)}"
    if count_hits([bucket], 3600 + 5)[0] > limit:
        raise LookupLimited(_("Bạn đã tra cứu quá nhiều người dân trong một giờ. Hãy thử lại sau."))


def look_up_resident(query: str, *, actor: Any, reason: str, request: Any = None) -> Any:
    """The resident with this personal ID number or login name, for an announcement (see above). Raises
    AnnouncementNotAllowed, InvalidAnnouncement (no reason), LookupLimited or ResidentNotFound."""
    if not can_announce(actor):
        raise AnnouncementNotAllowed(_("Bạn không có quyền gửi thông báo cho người dân."))
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        raise InvalidAnnouncement(_("Hãy nêu lý do gửi thông báo (ít nhất %(n)d ký tự).") % {"n": REASON_MIN},
                                  code="reason_required")
    _count_lookup(actor)
    resident = find_resident(query)
    # The number itself is not logged: who looked, why, and whom they found.
    audit.record("notifications.resident_looked_up", actor=actor, obj=resident, object_type="accounts.user",
                 request=request, reason=reason[:300], found=resident is not None,
                 by="personal_id" if query.strip().isdigit() else "username")
    if resident is None:
        raise ResidentNotFound(_("Không tìm thấy người dân này."))
    return resident


def send_announcement(recipient: Any, *, title: str, message: str, link: str = "", actor: Any,
                      reason: str = "") -> int:
    """Send a notice to one resident. ``actor`` None: an operator at the command line."""
    if actor is not None and not can_announce(actor):
        raise AnnouncementNotAllowed(_("Bạn không có quyền gửi thông báo cho người dân."))
    title, message = title.strip(), message.strip()
    if not title:
        raise InvalidPreference(_("Hãy nhập tiêu đề thông báo."), code="title_required")
    with transaction.atomic():
        count = notify([recipient], "announcement", {"title": title, "message": message}, link=link, actor=actor,
                       obj=recipient)
        audit.record("notifications.announcement_sent", actor=actor, obj=recipient, title=title[:200],
                     reason=reason[:300])
    return count


def resident_by_id(user_id: int) -> Any:
    return get_user_model().objects.filter(pk=user_id, is_active=True, kind="citizen").first()


def announcement_deliveries(request: Any, object_id: str) -> subjects.Subject | None:
    """Delivery status of the notices sent to one resident (``accounts.user``): for those who may announce; an agency
    admin sees the notices they sent, a city admin all of them; the resident is shown by masked name."""
    viewer = request.user
    if not can_announce(viewer) or not object_id.isdigit():
        return None
    resident = resident_by_id(int(object_id))
    if resident is None:
        return None
    masked = mask_name(resident.display_name)
    filters: dict[str, Any] = {"kind": "announcement"}
    if not has_role(viewer, Role.CITY_ADMIN):
        filters["actor"] = viewer
    return subjects.Subject(title=_("Thông báo gửi người dân %(name)s") % {"name": masked},
                            recipient_label=lambda _recipient: masked, filters=filters)


def find_resident(query: str) -> Any:
    """A resident by personal ID number (blind index) or login name; None when there is no such resident."""
    from congdanso.accounts.services import find_resident_by_personal_id

    query = query.strip()
    if not query:
        return None
    return (find_resident_by_personal_id(query)
            or get_user_model().objects.filter(is_active=True, kind="citizen", username=query).first())


# --- webhooks ---------------------------------------------------------------------------------------------------------

def create_webhook(name: str, url: str, topics: Iterable[str], *, actor: Any) -> tuple[Webhook, str]:
    """Register an integrator's endpoint; returns it with its new signing secret (shown once, stored encrypted)."""
    name, url, topics = name.strip(), url.strip(), [t.strip() for t in topics if t.strip()]
    if not name:
        raise InvalidWebhook(_("Hãy đặt tên cho webhook."), code="name_required")
    try:
        target = outgoing.check_url(url)
    except outgoing.OutgoingRefused as exc:
        if url.startswith(("http://", "https://")):
            raise InvalidWebhook(_("Địa chỉ webhook phải là một địa chỉ công khai trên Internet (%(reason)s).")
                                 % {"reason": exc}, code="bad_address") from None
        raise InvalidWebhook(_("Địa chỉ webhook phải là một URL https."), code="bad_url") from None
    if target.scheme != "https" and not (outgoing.is_allowed_host(target.host) or settings.DEBUG):
        raise InvalidWebhook(_("Địa chỉ webhook phải là một URL https."), code="bad_url")
    unknown = [t for t in topics if t != "*" and not t.startswith(("report.", "dossier."))]
    if not topics or unknown:
        raise InvalidWebhook(_("Chủ đề không hợp lệ: %(topics)s. Ví dụ: report.status_changed, dossier.*")
                             % {"topics": ", ".join(unknown) or "—"}, code="bad_topics")
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        hook = Webhook.objects.create(name=name, url=url, secret=secret, topics=topics)
        audit.record("notifications.webhook_created", actor=actor, obj=hook, url=url, topics=topics)
    return hook, secret


def emit_webhook(topic: str, payload: dict[str, Any]) -> int:
    """Queue ``payload`` for every active webhook subscribed to ``topic`` (e.g. ``report.status_changed``).

    Call it inside the transaction of the change; the POSTs happen after commit, signed, retried by the outbox.
    """
    return emit_webhooks([(topic, payload)])


def emit_webhooks(events: list[tuple[str, dict[str, Any]]]) -> int:
    """``emit_webhook`` for several (topic, payload) pairs, reading the webhooks once. Returns the rows queued."""
    if not events:
        return 0
    hooks = list(Webhook.objects.filter(active=True))
    occurred = timezone.now().isoformat()
    rows = [{"webhook": h.pk, "topic": topic, "event_id": str(uuid.uuid4()), "occurred_at": occurred,
             "payload": payload} for topic, payload in events for h in hooks if h.wants(topic)]
    if rows:
        with transaction.atomic(savepoint=False):
            outbox.enqueue_many(WEBHOOK_TOPIC, rows)
    return len(rows)
