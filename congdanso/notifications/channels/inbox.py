"""The in-app inbox: the Notification row itself, written with the domain change. Nothing to send."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from congdanso.notifications.channels.base import Channel, Job, Outcome, Recipient


class InboxChannel(Channel):
    code = "inbox"
    label = _("Hộp thư trong ứng dụng")

    def reaches(self, recipient: Recipient) -> list[int | None]:
        return []  # no Delivery row: the inbox entry exists as soon as the transaction commits

    def send(self, deliveries: list[Job]) -> list[Outcome]:
        return [Outcome(d.pk, "sent") for d in deliveries]


CHANNEL = InboxChannel()
