"""What a channel is: it sends a batch of claimed deliveries and says, per delivery, what happened."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal

from django.utils import timezone

Result = Literal["sent", "retry", "failed", "gone"]


@dataclass
class Outcome:
    delivery_id: int
    result: Result
    error: str = ""
    retry_after: float | None = None  # seconds, when the other side said how long to wait


@dataclass(slots=True)
class NotificationView:
    pk: int
    kind: str
    title: str
    body: str
    link: str
    urgent: bool
    language: str
    recipient_id: int | None  # None: a person without an account (contacts.py)


@dataclass(slots=True)
class SubscriptionView:
    pk: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(slots=True)
class Job:
    """A claimed delivery as the channels see it: plain values read in one query (no model instances)."""

    pk: int
    channel: str
    attempts: int
    expires_at: Any
    notification_id: int
    subscription_id: int | None
    notification: NotificationView
    subscription: SubscriptionView | None

    FIELDS: ClassVar[tuple[str, ...]] = (
        "pk", "channel", "attempts", "expires_at", "notification_id", "subscription_id", "notification__kind",
        "notification__title", "notification__body", "notification__link", "notification__urgent",
        "notification__language", "notification__recipient_id", "subscription__endpoint", "subscription__p256dh",
        "subscription__auth",
    )

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Job:
        (pk, channel, attempts, expires_at, notification_id, subscription_id, kind, title, body, link, urgent,
         language, recipient_id, endpoint, p256dh, auth) = row
        return cls(pk, channel, attempts, expires_at, notification_id, subscription_id,
                   NotificationView(notification_id, kind, title, body, link, urgent, language, recipient_id),
                   SubscriptionView(subscription_id, endpoint, p256dh, auth) if subscription_id else None)


@dataclass(frozen=True)
class Recipient:
    """What fan-out knows about one recipient when choosing the channels (loaded in bulk)."""

    user_id: int
    language: str
    email: str
    phone: str
    subscriptions: tuple[int, ...]


class Channel:
    code: ClassVar[str]
    label: ClassVar[Any]

    def reaches(self, recipient: Recipient) -> list[int | None]:
        """The targets of one recipient: ``[None]`` for one delivery, subscription ids for push, ``[]`` for none."""
        raise NotImplementedError

    def send(self, deliveries: list[Job]) -> list[Outcome]:
        raise NotImplementedError


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header: delay in seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())
