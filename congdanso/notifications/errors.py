from __future__ import annotations

from congdanso.core.errors import DomainError, Forbidden, NotFound  # noqa: F401


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
