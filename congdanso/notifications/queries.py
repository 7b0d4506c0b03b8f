"""Shared reads of notifications: the inbox, unread counts, addresses, delivery status for staff."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from congdanso.notifications.channels.base import Recipient
from congdanso.notifications.models import (
    ContactVerification,
    Delivery,
    DeliveryStatus,
    Notification,
    Preference,
    PushSubscription,
)


def inbox(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_of(user: Any, notification_id: int) -> Notification | None:
    return Notification.objects.filter(pk=notification_id, recipient=user).first()


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_of(user: Any) -> Preference:
    pref = Preference.objects.filter(user=user).first()
    return pref or Preference(user=user)


@dataclass
class Audience:
    recipients: list[Recipient]
    preferences: dict[int, Preference]


def audience(user_ids: list[int], *, with_push: bool) -> Audience:
    """Everything fan-out needs about these users, in three queries."""
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list(
        "pk", "preferred_language", "email")
    preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=user_ids)}
    subscriptions: dict[int, list[int]] = defaultdict(list)
    if with_push:
        for user_id, sub_id in PushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", "pk"):
            subscriptions[user_id].append(sub_id)
    recipients = []
    for user_id, language, email in users:
        to_email, to_phone = reachable(preferences.get(user_id), email)
        recipients.append(Recipient(
            user_id=user_id, language=language or "vi", email=to_email, phone=to_phone,
            subscriptions=tuple(subscriptions.get(user_id, ())),
        ))
    return Audience(recipients, preferences)


def addresses_for(user_ids: list[int]) -> dict[int, tuple[str, str]]:
    """{user id: (e-mail, phone)} as the recipient wants them now (read at send time, never copied)."""
    result: dict[int, tuple[str, str]] = {}
    prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=set(user_ids))}
    for user_id, email in get_user_model().objects.filter(pk__in=set(user_ids)).values_list("pk", "email"):
        result[user_id] = reachable(prefs.get(user_id), email)
    return result


def reachable(pref: Preference | None, account_email: str | None) -> tuple[str, str]:
    """(e-mail, phone) notices may go to: the resident's own address and number only once proved with a one-time
    code (a typed address may be someone else's), else the account's e-mail (set by an administrator for staff;
    empty for residents) and no phone."""
    email = pref.email if pref is not None and pref.email and pref.email_verified_at else ""
    phone = pref.phone if pref is not None and pref.phone and pref.phone_verified_at else ""
    return email or account_email or "", phone or ""


def pending_verifications(user: Any) -> dict[str, ContactVerification]:
    """{channel: the code waiting to be typed} for the preferences page (expired codes are not waiting)."""
    from django.utils import timezone

    rows = ContactVerification.objects.filter(user=user, expires_at__gt=timezone.now())
    return {row.channel: row for row in rows}


def deliveries_for_object(object_type: str, object_id: str, **filters: Any) -> list[Notification]:
    """Notifications about one object with their deliveries, newest first (the staff status panel); ``filters``
    narrow them further (fields of Notification)."""
    return list(
        Notification.objects.filter(object_type=object_type, object_id=str(object_id), **filters)
        .select_related("recipient").prefetch_related("deliveries").order_by("-created_at", "-id")[:200]
    )


def status_summary(object_type: str, object_id: str, **filters: Any) -> dict[str, int]:
    narrowed = {f"notification__{name}": value for name, value in filters.items()}
    rows = (Delivery.objects.filter(notification__object_type=object_type, notification__object_id=str(object_id),
                                    **narrowed)
            .values("status").annotate(n=Count("id")))
    summary = {status: 0 for status in DeliveryStatus.values}
    for row in rows:
        summary[row["status"]] = row["n"]
    return summary


def channels_of(user: Any) -> list[str]:
    """Where a resident can be reached now, in words for staff (no address): the inbox always; Web Push with the
    number of devices; e-mail and SMS when a verified address or number is on file."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from congdanso.notifications.models import Channel

    labels = [str(Channel.INBOX.label)]
    devices = PushSubscription.objects.filter(user=user).count()
    if devices:
        labels.append(ngettext("%(label)s (%(n)d thiết bị)", "%(label)s (%(n)d thiết bị)", devices)
                      % {"label": Channel.WEBPUSH.label, "n": devices})
    pref = Preference.objects.filter(user=user).first()
    if pref is not None and pref.email and pref.email_verified_at:
        labels.append(str(Channel.EMAIL.label))
    if pref is not None and pref.phone and pref.phone_verified_at:
        labels.append(str(Channel.SMS.label))
    return labels or [_("Không có")]
