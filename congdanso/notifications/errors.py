from __future__ import annotations

from django.utils.functional import Promise

from congdanso.core.errors import DomainError, Forbidden, NotFound


class NotificationError(DomainError):
    code = "notification_error"


class InvalidSubscription(NotificationError):
    code = "invalid_subscription"


class NotificationNotFound(NotFound):
    code = "notification_not_found"


class InvalidPreference(NotificationError):
    code = "invalid_preference"


class InvalidWebhook(NotificationError):
    code = "invalid_webhook"


class AnnouncementNotAllowed(Forbidden):
    code = "announce_not_allowed"


class InvalidAnnouncement(NotificationError):
    code = "invalid_announcement"


class LookupLimited(NotificationError):
    status = 429
    code = "lookup_limited"


class ResidentNotFound(NotFound):
    code = "resident_not_found"


class InvalidContact(NotificationError):
    """An e-mail address or phone number that cannot be used (``field`` names the form field)."""

    code = "invalid_contact"


class ChannelNotVerified(InvalidPreference):
    """E-mail or SMS chosen before its address was proved by a one-time code; ``channels`` lists which."""

    code = "channel_not_verified"

    def __init__(self, message: str | Promise, *, channels: list[str]) -> None:
        super().__init__(message)
        self.channels = channels

    def as_dict(self) -> dict[str, str]:
        return {**super().as_dict(), "channels": ",".join(self.channels)}


class VerificationFailed(NotificationError):
    """A one-time code refused: wrong (``wrong_code``), expired, voided after too many tries, or none pending."""

    code = "wrong_code"


class VerificationLimited(NotificationError):
    status = 429
    code = "verification_limited"


class VerificationNotSent(NotificationError):
    """The mail server or SMS gateway did not take the code: nothing is pending, try again later."""

    status = 503
    code = "code_not_sent"
