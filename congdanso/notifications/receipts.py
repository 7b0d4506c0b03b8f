"""Push receipts: the service worker confirms it showed a notification with a token only the server can make."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.utils.crypto import constant_time_compare

SALT = "congdanso.notifications.push-receipt"


@cache
def _keyed() -> hmac.HMAC:
    """The HMAC with its key already absorbed; each token copies it (a push batch makes thousands)."""
    return hmac.new(hashlib.sha256((SALT + settings.SECRET_KEY).encode("utf-8")).digest(), digestmod=hashlib.sha256)


def token(delivery_id: int) -> str:
    mac = _keyed().copy()
    mac.update(b"%d" % delivery_id)
    return mac.hexdigest()[:32]


def valid(delivery_id: int, candidate: str) -> bool:
    return constant_time_compare(token(delivery_id), candidate or "")
