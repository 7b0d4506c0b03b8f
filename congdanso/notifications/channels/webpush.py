"""Web Push: payload encrypted per RFC 8291 (aes128gcm, http_ece), VAPID per RFC 8292 (py-vapid).

A batch is sent concurrently over kept-alive connections (``pushhttp``) on one event loop per worker process. The
VAPID token is signed once per push-service origin and reused (see ``vapid.authorization``). Answers: 201 sent;
404/410 the subscription is gone (removed); 429 and 5xx retried after Retry-After, and a 429 pauses that origin
for the rest of the batch; timeouts and refused connections retried.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import ssl
import time
from typing import Any

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congdanso.notifications import receipts, vapid
from congdanso.notifications.channels.base import Channel, Job, Outcome, Recipient, retry_after_seconds
from congdanso.notifications.pushhttp import PushClient, parse_endpoint

logger = logging.getLogger(__name__)

BODY_MAX = 1000  # the whole encrypted message must stay under 4 KB


def payload_of(delivery: Any) -> bytes:
    n = delivery.notification
    data = {"id": n.pk, "d": delivery.pk, "r": receipts.token(delivery.pk), "kind": n.kind, "title": n.title,
            "body": n.body[:BODY_MAX], "url": n.link or "/notifications/", "tag": f"cds-{n.pk}", "urgent": n.urgent,
            "lang": n.language}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encrypt(subscription: Any, payload: bytes) -> bytes:
    """RFC 8291: ECDH with a fresh P-256 key per message, HKDF with the subscription's auth secret, aes128gcm."""
    receiver = vapid.b64url_decode(subscription.p256dh)
    if len(receiver) != 65 or receiver[0] != 4:
        raise ValueError("p256dh is not an uncompressed P-256 point")
    return http_ece.encrypt(payload, private_key=ec.generate_private_key(ec.SECP256R1()), dh=receiver,
                            auth_secret=vapid.b64url_decode(subscription.auth), version="aes128gcm")


def headers_for(delivery: Any, origin: str) -> dict[str, str]:
    ttl = 24 * 3600
    if delivery.expires_at:
        ttl = max(0, int((delivery.expires_at - timezone.now()).total_seconds()))
    return {
        "Authorization": vapid.authorization(origin),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(ttl),
        "Urgency": "high" if delivery.notification.urgent else "normal",
        # A message stored for an offline device is replaced by a re-send of the same notification.
        "Topic": f"cds-{delivery.notification_id}",
    }


class _Sender:
    """One event loop and one connection pool per worker process, kept between batches."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.client = PushClient(timeout=settings.PUSH_TIMEOUT_SECONDS)
        self.paused: dict[str, float] = {}  # origin -> monotonic time until which it asked us to wait

    def close(self) -> None:
        if not self.loop.is_closed():
            self.loop.run_until_complete(self.client.close())
            self.loop.close()

    def run(self, deliveries: list[Job]) -> list[Outcome]:
        return self.loop.run_until_complete(self._send_all(deliveries))

    async def _send_all(self, deliveries: list[Job]) -> list[Outcome]:
        """``PUSH_CONCURRENCY`` senders take the next delivery as soon as their last one is answered."""
        outcomes: list[Outcome | None] = [None] * len(deliveries)
        todo = iter(enumerate(deliveries))

        async def sender() -> None:
            for index, delivery in todo:
                outcomes[index] = await self._send_one(delivery)

        await asyncio.gather(*(sender() for _ in range(min(settings.PUSH_CONCURRENCY, len(deliveries)))))
        return [o for o in outcomes if o is not None]

    async def _send_one(self, delivery: Job) -> Outcome:
        subscription = delivery.subscription
        if subscription is None:
            return Outcome(delivery.pk, "failed", "subscription removed")
        endpoint = subscription.endpoint
        target = parse_endpoint(endpoint)
        origin = target.origin
        wait = self.paused.get(origin, 0) - time.monotonic()
        if wait > 0:
            return Outcome(delivery.pk, "retry", f"{origin} asked to slow down (429)", wait)
        try:
            body = encrypt(subscription, payload_of(delivery))
        except (ValueError, TypeError) as exc:
            return Outcome(delivery.pk, "failed", f"subscription keys unusable: {exc}"[:500])
        try:
            response = await self.client.post(target, body, headers_for(delivery, origin))
        except (OSError, TimeoutError, ssl.SSLError) as exc:  # PushHTTPError is a ConnectionError (OSError)
            logger.warning("push to %s failed (delivery %s), will retry: %r", origin, delivery.pk, exc)
            return Outcome(delivery.pk, "retry", f"push service unreachable: {type(exc).__name__} {exc}"[:500])
        status = response.status
        if status in (200, 201, 202):
            return Outcome(delivery.pk, "sent")
        text = response.body.decode("utf-8", "replace")[:300]
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        detail = f"push service answered {status}: {text}".strip()
        if status in (404, 410):
            return Outcome(delivery.pk, "gone", detail)
        if status == 429:
            delay = retry_after if retry_after is not None else 60.0
            self.paused[origin] = time.monotonic() + delay
            logger.warning("push service %s rate-limited us for %.0f s (delivery %s)", origin, delay, delivery.pk)
            return Outcome(delivery.pk, "retry", detail, delay)
        if status >= 500:
            logger.warning("push service %s error %s (delivery %s), will retry", origin, status, delivery.pk)
            return Outcome(delivery.pk, "retry", detail, retry_after)
        logger.error("push to %s refused with %s (delivery %s): %s", origin, status, delivery.pk, text)
        return Outcome(delivery.pk, "failed", detail)


_sender: _Sender | None = None


def reset() -> None:
    """Drop this process's connections and rate-limit pauses (tests; a worker never needs it)."""
    global _sender
    if _sender is not None and _sender.pid == os.getpid():
        _sender.close()
    _sender = None


def sender() -> _Sender:
    global _sender
    if _sender is None or _sender.pid != os.getpid():  # a forked worker (RQ) needs its own loop and sockets
        _sender = _Sender()
        atexit.register(reset)
    return _sender


class WebPushChannel(Channel):
    code = "webpush"
    label = _("Thông báo đẩy")

    def reaches(self, recipient: Recipient) -> list[int | None]:
        return list(recipient.subscriptions)

    def send(self, deliveries: list[Job]) -> list[Outcome]:
        return sender().run(deliveries)


CHANNEL = WebPushChannel()
