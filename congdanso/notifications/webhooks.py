"""Webhook delivery: POST the event as JSON, signed with HMAC-SHA256 over ``<timestamp>.<body>``.

Headers: ``X-CDS-Event`` (topic), ``X-CDS-Delivery`` (event id, the same on every retry: receivers drop
duplicates with it), ``X-CDS-Timestamp`` (Unix seconds) and ``X-CDS-Signature: sha256=<hex>``. Anything but a 2xx
raises, so the outbox retries with backoff and keeps the last error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

import requests
from django.conf import settings

from congdanso.notifications.models import Webhook

logger = logging.getLogger(__name__)


class WebhookFailed(RuntimeError):
    pass


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def handle(payload: dict[str, Any]) -> None:
    hook = Webhook.objects.filter(pk=payload.get("webhook"), active=True).first()  # type: ignore[misc]  # None: no row
    if hook is None:
        logger.info("webhook %s is gone or inactive; event %s dropped", payload.get("webhook"),
                    payload.get("event_id"))
        return
    event = {"id": payload["event_id"], "topic": payload["topic"], "occurred_at": payload.get("occurred_at"),
             "data": payload.get("payload", {})}
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "CongDanSo-Webhook/1",
               "X-CDS-Event": payload["topic"], "X-CDS-Delivery": payload["event_id"],
               "X-CDS-Timestamp": timestamp, "X-CDS-Signature": signature(hook.secret, timestamp, body)}
    try:
        response = requests.post(hook.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                                 allow_redirects=False)
    except requests.RequestException as exc:
        logger.warning("webhook %s (%s) unreachable for event %s: %r", hook.pk, hook.url, payload["event_id"], exc)
        raise WebhookFailed(f"unreachable: {exc!r}") from exc
    if not 200 <= response.status_code < 300:
        logger.warning("webhook %s answered %s for event %s", hook.pk, response.status_code, payload["event_id"])
        raise WebhookFailed(f"answered {response.status_code}: {response.text[:300]}")
