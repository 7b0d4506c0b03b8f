"""E-mail through Django's e-mail backend (SMTP in production, console in development).

One connection per batch. A stable Message-ID per delivery lets mail clients drop the rare duplicate sent again
after a worker died between the server's "250 OK" and the database commit. People told the same thing in one batch
(the staff of an agency about a new report) each get their own e-mail, but its MIME message is rendered once and
copied with their own headers (``SharedEmail``): rendering (header encoding, address checks) costs several times
the copy.
"""

from __future__ import annotations

import copy
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from congdanso.notifications.channels.base import Channel, Job, Outcome, Recipient
from congdanso.notifications.links import absolute

logger = logging.getLogger(__name__)


class SharedEmail(EmailMessage):
    """One recipient's e-mail among several with the same text (``rendered`` is shared by them): the first whose
    message the backend asks for is rendered in full, the others are copies of it with their own To, Message-ID
    and notification headers (``message()`` is the method Django documents for subclasses to override)."""

    OWN_HEADERS = ("To", "Message-ID", "X-CDS-Notification")

    def __init__(self, rendered: dict[tuple[str, str], Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rendered = rendered

    def message(self) -> Any:
        key = (str(self.subject), str(self.body))
        template = self.rendered.get(key)
        if template is None:
            self.rendered[key] = template = super().message()
            return template  # the backend only reads it
        msg = copy.deepcopy(template)
        for name in self.OWN_HEADERS:
            del msg[name]
        msg["To"] = ", ".join(self.to)  # through the message's own checks, as EmailMessage.message() does
        for name in self.OWN_HEADERS[1:]:
            msg[name] = self.extra_headers[name]
        return msg


class EmailChannel(Channel):
    code = "email"
    label = _("Thư điện tử")

    def reaches(self, recipient: Recipient) -> list[int | None]:
        return [None] if recipient.email else []

    def message(self, delivery: Job, address: str, rendered: dict[tuple[str, str], Any] | None = None
                ) -> EmailMessage:
        """The e-mail of one delivery; with ``rendered``, shared by the e-mails of one batch (``SharedEmail``)."""
        notification = delivery.notification
        body = notification.body
        if notification.link:
            body += "\n\n" + absolute(notification.link)
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "congdanso.local"
        return SharedEmail(
            {} if rendered is None else rendered, subject=notification.title, body=body, to=[address],
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
        rendered: dict[tuple[str, str], Any] = {}
        try:
            for delivery, address in todo:
                try:
                    connection.send_messages([self.message(delivery, address, rendered)])
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
