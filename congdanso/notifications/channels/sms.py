"""SMS through a provider-neutral HTTP adapter, or the console in development.

``SMS_BACKEND=http`` POSTs ``{"to", "text", "sender", "reference"}`` as JSON to ``SMS_URL`` with
``Authorization: Bearer SMS_TOKEN`` and an ``Idempotency-Key`` (the delivery), which most SMS gateways honour, so
a message sent again after a worker crash is dropped by the provider. 2xx: sent; 408/429/5xx or no answer: retried
(Retry-After respected); other 4xx: failed with the provider's answer kept. The POSTs go through
``core.outgoing`` (public addresses only unless ``OUTGOING_ALLOWED_HOSTS`` names the gateway, at most 3 redirects,
each checked again, answer size capped).
"""

from __future__ import annotations

import json
import logging
import sys

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from congdanso.core import outgoing
from congdanso.notifications.channels.base import Channel, Job, Outcome, Recipient, retry_after_seconds
from congdanso.notifications.links import absolute

logger = logging.getLogger(__name__)

SMS_MAX = 320  # two concatenated GSM-7 segments, or five UCS-2 ones for Vietnamese with diacritics


def text_of(delivery: Job) -> str:
    notification = delivery.notification
    text = notification.title
    if notification.body and notification.body != notification.title:
        text += ": " + notification.body
    if notification.link:
        link = absolute(notification.link)
        return text[: SMS_MAX - len(link) - 1] + " " + link
    return text[:SMS_MAX]


def gateway_post(session: outgoing.Client, phone: str, text: str, reference: str) -> outgoing.Response:
    """One message to the HTTP gateway (``reference`` is also the Idempotency-Key). Raises OutgoingRefused or
    OSError when it cannot be reached; the caller reads the answer's status."""
    body = json.dumps({"to": phone, "text": text, "sender": settings.SMS_SENDER, "reference": reference},
                      ensure_ascii=False).encode("utf-8")
    return session.post(settings.SMS_URL, body=body, redirects=3,
                        headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_TOKEN}",
                                 "Idempotency-Key": reference})


class SmsChannel(Channel):
    code = "sms"
    label = _("Tin nhắn SMS")

    def reaches(self, recipient: Recipient) -> list[int | None]:
        return [None] if recipient.phone else []

    def send(self, deliveries: list[Job]) -> list[Outcome]:
        from congdanso.notifications import contacts
        from congdanso.notifications.queries import addresses_for

        phones = addresses_for([d.notification.recipient_id for d in deliveries if d.notification.recipient_id])
        # A notice to a person without an account (a hotline caller): the owning app gives the number now.
        callers = contacts.phones([d.notification_id for d in deliveries if not d.notification.recipient_id])
        outcomes = []
        session = outgoing.Client(timeout=settings.SMS_TIMEOUT_SECONDS, user_agent="CongDanSo-SMS/1") \
            if settings.SMS_BACKEND == "http" else None
        for delivery in deliveries:
            recipient_id = delivery.notification.recipient_id
            phone = phones.get(recipient_id, ("", ""))[1] if recipient_id else callers.get(delivery.notification_id, "")
            if not phone:
                outcomes.append(Outcome(delivery.pk, "failed", "no phone number"))
            elif session is None:
                sys.stdout.write(f"[SMS to {phone}] {text_of(delivery)}\n")
                outcomes.append(Outcome(delivery.pk, "sent"))
            else:
                outcomes.append(self.post(session, delivery, phone))
        if session is not None:
            session.close()
        return outcomes

    def post(self, session: outgoing.Client, delivery: Job, phone: str) -> Outcome:
        if not settings.SMS_URL:
            return Outcome(delivery.pk, "retry", "SMS_URL is not set")
        try:
            response = gateway_post(session, phone, text_of(delivery), f"cds-delivery-{delivery.pk}")
        except outgoing.OutgoingRefused as exc:  # a configuration error: kept queued until it is fixed
            logger.error("SMS gateway refused for delivery %s (set OUTGOING_ALLOWED_HOSTS?): %s", delivery.pk, exc)
            return Outcome(delivery.pk, "retry", f"SMS gateway refused: {exc}"[:500])
        except OSError as exc:
            logger.warning("SMS gateway unreachable for delivery %s, will retry: %r", delivery.pk, exc)
            return Outcome(delivery.pk, "retry", f"SMS gateway unreachable: {exc!r}"[:500])
        if 200 <= response.status < 300:
            return Outcome(delivery.pk, "sent")
        detail = f"SMS gateway answered {response.status}: {response.text[:300]}"
        if response.status in (408, 429) or response.status >= 500:
            logger.warning("delivery %s: %s; will retry", delivery.pk, detail)
            return Outcome(delivery.pk, "retry", detail, retry_after_seconds(response.headers.get("retry-after")))
        logger.error("delivery %s: %s; giving up", delivery.pk, detail)
        return Outcome(delivery.pk, "failed", detail)


CHANNEL = SmsChannel()
