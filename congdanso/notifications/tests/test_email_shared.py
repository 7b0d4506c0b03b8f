"""People told the same thing in one batch each get their own e-mail, rendered once and copied (``SharedEmail``):
over a real SMTP server, each message carries its recipient's To, Message-ID and notification id."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from congdanso.notifications import services
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification
from congdanso.notifications.tests.test_email_sms import smtp as smtp  # the SMTP server fixture
from congdanso.testing.factories import drain, make_staff

pytestmark = pytest.mark.django_db
CONTEXT = {"code": "PA-2026-000042", "status": "Đã gửi", "subject": "Ổ gà trên đường Lê Lợi", "note": "",
           "result": "", "message": "", "due": ""}


def test_one_rendering_for_everyone_told_the_same_thing_each_with_their_own_headers(smtp: Any, monkeypatch) -> None:
    inbox, controller = smtp
    people = [make_staff(f"cb{i}", f"Cán bộ {i}", []) for i in range(3)]
    for i, person in enumerate(people):
        person.email = f"cb{i}@sxd.example.vn"
        person.save(update_fields=["email"])
    renders: list[list[str]] = []
    original = EmailMessage.message

    def counting(self: EmailMessage) -> Any:
        renders.append(list(self.to))
        return original(self)

    monkeypatch.setattr(EmailMessage, "message", counting)
    controller.start()
    try:
        with transaction.atomic():
            services.notify(people, "work_new", CONTEXT, link="/backoffice/phan-anh/42")
        drain()
    finally:
        controller.stop()
    assert len(renders) == 1
    assert len(inbox.messages) == 3
    deliveries = {d.notification.recipient.email: d for d in Delivery.objects.select_related("notification__recipient")}
    for rcpt, message in inbox.messages:
        [address] = rcpt
        assert message["To"] == address
        delivery = deliveries[address]
        assert message["Message-ID"].startswith(f"<delivery-{delivery.pk}@")
        assert message["X-CDS-Notification"] == str(delivery.notification_id)
        assert "Ổ gà trên đường Lê Lợi" in message["Subject"]
        assert "/backoffice/phan-anh/42" in message.get_content()
    assert len({str(message["Subject"]) for _rcpt, message in inbox.messages}) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert Notification.objects.count() == 3
