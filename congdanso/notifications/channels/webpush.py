"""Web Push: payload encrypted per RFC 8291 (aes128gcm, http_ece), VAPID per RFC 8292 (py-vapid).

A batch is sent by aiohttp through kept-alive connections (``pushclient``, over ``core.outgoing``'s checked
connector) on one event loop per worker process; messages are encrypted a few at a time as connections free up.
The VAPID token is signed once per push-service origin and reused (see ``vapid.authorization``); the shared
headers and the notification's JSON are rendered once per batch.
Answers: 201 sent; 404/410 the subscription is gone (removed); 429 and 5xx retried after Retry-After, and a 429
pauses that origin for the rest of the batch; timeouts and refused connections retried; an endpoint on a
non-public address (``core.outgoing``) fails at once.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import time
from typing import Any

import aiohttp
import http_ece
import uvloop
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congdanso.core import outgoing
from congdanso.notifications import receipts, vapid
from congdanso.notifications.channels.base import Channel, Job, Outcome, Recipient, retry_after_seconds
from congdanso.notifications.pushclient import Halted, PushClient, Rendered, Request, Response, request_for

logger = logging.getLogger(__name__)

BODY_MAX = 1000  # the whole encrypted message must stay under 4 KB


def _payload_tail(n: Any) -> bytes:
    """The part of a push message that is the same for every recipient of the same text."""
    return json.dumps({"kind": n.kind, "title": n.title, "body": n.body[:BODY_MAX], "url": n.link or "/notifications/",
                       "urgent": n.urgent, "lang": n.language},
                      ensure_ascii=False, separators=(",", ":"))[1:].encode("utf-8")


def payload_of(delivery: Any, tail: bytes | None = None) -> bytes:
    """``{"id", "d", "r", "tag", "kind", "title", "body", "url", "urgent", "lang"}``, what the service worker reads.

    ``tail`` (from ``_payload_tail``) lets a batch render the shared JSON once, not once per delivery.
    """
    n = delivery.notification
    return b'{"id":%d,"d":%d,"r":"%s","tag":"cds-%d",%s' % (
        n.pk, delivery.pk, receipts.token(delivery.pk).encode("ascii"), n.pk, tail or _payload_tail(n))


def encrypt(subscription: Any, payload: bytes) -> bytes:
    """RFC 8291: ECDH with a fresh P-256 key per message, HKDF with the subscription's auth secret, aes128gcm."""
    receiver = vapid.b64url_decode(subscription.p256dh)
    if len(receiver) != 65 or receiver[0] != 4:
        raise ValueError("p256dh is not an uncompressed P-256 point")
    return http_ece.encrypt(payload, private_key=ec.generate_private_key(ec.SECP256R1()), dh=receiver,
                            auth_secret=vapid.b64url_decode(subscription.auth), version="aes128gcm")


def ttl_of(delivery: Any, now: Any = None) -> int:
    if not delivery.expires_at:
        return 24 * 3600
    return max(0, int((delivery.expires_at - (now or timezone.now())).total_seconds()))


def shared_headers(origin: str, ttl: int, urgent: bool) -> dict[str, str]:
    """The headers every push of a batch to ``origin`` with this TTL and urgency carries (``Topic`` is per push)."""
    return {
        "Authorization": vapid.authorization(origin),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(ttl),
        "Urgency": "high" if urgent else "normal",
    }


def pause_of(response: Response) -> float:
    """How long a push service that answered 429 asked us to wait (60 s when it did not say)."""
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    return retry_after if retry_after is not None else 60.0


class _Renderer:
    """Turns a claimed delivery into its headers and body; what many deliveries share is rendered once per batch."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.tails: dict[tuple[Any, ...], bytes] = {}
        self.blocks: dict[tuple[str, int, bool], dict[str, str]] = {}
        self.ttls: dict[Any, int] = {}

    def __call__(self, request: Request) -> Rendered:
        delivery: Job = request.item
        n = delivery.notification
        text = (n.kind, n.title, n.body, n.link, n.urgent, n.language)
        tail = self.tails.get(text)
        if tail is None:
            tail = self.tails[text] = _payload_tail(n)
        body = encrypt(delivery.subscription, payload_of(delivery, tail))
        origin = request.target.origin
        ttl = self.ttls.get(delivery.expires_at)
        if ttl is None:
            ttl = self.ttls[delivery.expires_at] = ttl_of(delivery, self.now)
        block = self.blocks.get((origin, ttl, n.urgent))
        if block is None:
            block = self.blocks[(origin, ttl, n.urgent)] = shared_headers(origin, ttl, n.urgent)
        # A message stored for an offline device is replaced by a re-send of the same notification.
        return {**block, "Topic": f"cds-{delivery.notification_id}"}, body


def _refused(result: Exception) -> bool:
    """The connection was refused by ``core.outgoing`` (the endpoint's host resolves to a non-public address)."""
    cause: BaseException | None = result
    while cause is not None:
        if isinstance(cause, outgoing.AddressRefused):
            return True
        cause = getattr(cause, "os_error", None) or cause.__cause__
    return False


class _Sender:
    """One event loop and one aiohttp session per worker process, kept between batches."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = uvloop.new_event_loop()  # libuv's loop: a fraction of asyncio's cost per socket event
        self.client = PushClient(timeout=settings.PUSH_TIMEOUT_SECONDS, concurrency=settings.PUSH_CONCURRENCY)
        self.paused: dict[str, float] = {}  # origin -> monotonic time until which it asked us to wait

    def close(self) -> None:
        if not self.loop.is_closed():
            self.loop.run_until_complete(self.client.close())
            self.loop.close()

    def run(self, deliveries: list[Job]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(deliveries)
        requests: list[Request] = []
        now = time.monotonic()
        for index, delivery in enumerate(deliveries):
            if delivery.subscription is None:
                outcomes[index] = Outcome(delivery.pk, "failed", "subscription removed")
                continue
            try:
                request = request_for(index, delivery.subscription.endpoint, delivery)
            except outgoing.OutgoingRefused as exc:
                outcomes[index] = Outcome(delivery.pk, "failed", f"push endpoint refused: {exc}"[:500])
                continue
            wait = self.paused.get(request.target.origin, 0) - now
            if wait > 0:
                outcomes[index] = Outcome(delivery.pk, "retry", f"{request.target.origin} asked to slow down (429)",
                                          wait)
                continue
            requests.append(request)
        self.client.timeout = settings.PUSH_TIMEOUT_SECONDS
        results = self.loop.run_until_complete(self.client.send_all(
            requests, _Renderer(), halt=lambda response: response.status == 429))
        for request, result in zip(requests, results, strict=True):
            outcomes[request.index] = self._outcome(request, result)
        return [o for o in outcomes if o is not None]

    def _outcome(self, request: Request, result: Response | Exception) -> Outcome:
        delivery: Job = request.item
        origin = request.target.origin
        if isinstance(result, Halted):  # not sent: the 429 that stopped it says how long to wait
            return Outcome(delivery.pk, "retry", f"{origin} asked to slow down (429)", pause_of(result.response))
        if isinstance(result, Exception) and _refused(result):
            logger.warning("push endpoint of delivery %s refused: %s", delivery.pk, result)
            return Outcome(delivery.pk, "failed", f"push endpoint refused: {result}"[:500])
        if isinstance(result, (ValueError, TypeError)):
            return Outcome(delivery.pk, "failed", f"subscription keys unusable: {result}"[:500])
        if isinstance(result, (aiohttp.ClientError, OSError, TimeoutError)):
            logger.warning("push to %s failed (delivery %s), will retry: %r", origin, delivery.pk, result)
            return Outcome(delivery.pk, "retry", f"push service unreachable: {type(result).__name__} {result}"[:500])
        if isinstance(result, Exception):  # rendering this one message failed in an unforeseen way
            logger.error("push to %s not sent (delivery %s): %r", origin, delivery.pk, result)
            return Outcome(delivery.pk, "failed", f"{type(result).__name__}: {result}"[:500])
        status = result.status
        if status in (200, 201, 202):
            return Outcome(delivery.pk, "sent")
        text = result.body.decode("utf-8", "replace")[:300]
        retry_after = retry_after_seconds(result.headers.get("retry-after"))
        detail = f"push service answered {status}: {text}".strip()
        if status in (404, 410):
            return Outcome(delivery.pk, "gone", detail)
        if status == 429:
            delay = pause_of(result)
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
