"""What a channel is: it sends a batch of claimed deliveries and says, per delivery, what happened."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from django.utils import timezone

if TYPE_CHECKING:
    from congdanso.notifications.models import Delivery

Result = Literal["sent", "retry", "failed", "gone"]


@dataclass
class Outcome:
    delivery_id: int
    result: Result
    error: str = ""
    retry_after: float | None = None  # seconds, when the other side said how long to wait


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

    def send(self, deliveries: list[Delivery]) -> list[Outcome]:
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
