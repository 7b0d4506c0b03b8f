from __future__ import annotations

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
