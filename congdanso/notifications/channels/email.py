"""E-mail through Django's e-mail backend (SMTP in production, console in development).

One connection per batch. A stable Message-ID per delivery lets mail clients drop the rare duplicate sent again
after a worker died between the server's "250 OK" and the database commit.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from congdanso.notifications.channels.base import Channel, Job, Outcome, Recipient
from congdanso.notifications.links import absolute

logger = logging.getLogger(__name__)


class EmailChannel(Channel):
    code = "email"
    label = _("Thư điện tử")

    def reaches(self, recipient: Recipient) -> list[int | None]:
        return [None] if recipient.email else []

    def message(self, delivery: Job, address: str) -> EmailMessage:
        notification = delivery.notification
        body = notification.body
        if notification.link:
            body += "\n\n" + absolute(notification.link)
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "congdanso.local"
        return EmailMessage(
            subject=notification.title, body=body, to=[address],
            headers={"Message-ID": f"<delivery-{delivery.pk}@{domain}>",
                     "X-CDS-Notification": str(notification.pk), "Auto-Submitted": "auto-generated"},
        )

    def send(self, deliveries: list[Job]) -> list[Outcome]:
        from congdanso.notifications.queries import addresses_for

        addresses = addresses_for([d.notification.recipient_id for d in deliveries if d.notification.recipient_id])
        outcomes: list[Outcome] = []
        todo: list[tuple[Job, str]] = []
        for delivery in deliveries:
            address = addresses.get(delivery.notification.recipient_id or 0, ("", ""))[0]  # no account: no e-mail
            if not address:
                outcomes.append(Outcome(delivery.pk, "failed", "no e-mail address"))
            else:
                todo.append((delivery, address))
        if not todo:
            return outcomes
        connection = get_connection(fail_silently=False, timeout=settings.PUSH_TIMEOUT_SECONDS)
        try:
            connection.open()
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            logger.warning("e-mail server unreachable, %d messages will be retried: %r", len(todo), exc)
            return outcomes + [Outcome(d.pk, "retry", f"SMTP unreachable: {exc!r}") for d, _a in todo]
        try:
            for delivery, address in todo:
                try:
                    connection.send_messages([self.message(delivery, address)])
                    outcomes.append(Outcome(delivery.pk, "sent"))
                except smtplib.SMTPRecipientsRefused as exc:
                    outcomes.append(Outcome(delivery.pk, "failed", f"recipient refused: {exc.recipients!r}"[:500]))
                except (OSError, smtplib.SMTPException) as exc:
                    logger.warning("e-mail delivery %s failed, will retry: %r", delivery.pk, exc)
                    outcomes.append(Outcome(delivery.pk, "retry", f"SMTP error: {exc!r}"[:500]))
        finally:
            try:
                connection.close()
            except Exception:
                logger.debug("closing the SMTP connection failed", exc_info=True)
        return outcomes


CHANNEL = EmailChannel()
