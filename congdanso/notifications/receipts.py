"""Push receipts: the service worker confirms it showed a notification with a token only the server can make."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.utils.crypto import constant_time_compare

SALT = "congdanso.notifications.push-receipt"


@cache
def _key() -> bytes:
    return hashlib.sha256((SALT + settings.SECRET_KEY).encode("utf-8")).digest()


def token(delivery_id: int) -> str:
    return hmac.new(_key(), str(delivery_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]


def valid(delivery_id: int, candidate: str) -> bool:
    return constant_time_compare(token(delivery_id), candidate or "")
