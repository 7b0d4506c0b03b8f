"""Push receipts: the service worker confirms it showed a notification with a token only the server can make."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "congdanso.notifications.push-receipt"


def token(delivery_id: int) -> str:
    return salted_hmac(SALT, str(delivery_id), algorithm="sha256").hexdigest()[:32]


def valid(delivery_id: int, candidate: str) -> bool:
    return constant_time_compare(token(delivery_id), candidate or "")
