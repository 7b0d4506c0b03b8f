"""Staff: delivery status per object, and the back-office form that sends a notice to a resident."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from congdanso.core.models import AuditEntry
from congdanso.notifications import services
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification
from congdanso.notifications.tests.pushservice import Subscriber
from congdanso.testing.factories import staff_client

pytestmark = pytest.mark.django_db


def test_delivery_status_is_shown_per_notification(client, officer, citizen) -> None:
    services.save_subscription(citizen, Subscriber.new().subscription("https://push.example/lan"))
    with transaction.atomic():
        services.notify([citizen], "report_status", {"code": "PA-3", "status": "Đang xử lý", "subject": "Rác"},
                        object_type="reports.report", object_id="3")
    Delivery.objects.update(status=DeliveryStatus.FAILED, last_error="push service answered 400: bad", attempts=3)
    url = reverse("notifications:staff_deliveries", args=["reports.report", "3"])
    assert client.get(url).status_code == 302, "not for anonymous"
    client.force_login(citizen)
    assert client.get(url).status_code == 302, "not for residents"
    page = staff_client(client, officer).get(url).content.decode()
    assert "Nguyễn Thị Lan" in page and "Thông báo đẩy: Thất bại" in page and "push service answered 400" in page
    assert AuditEntry.objects.filter(action="notifications.deliveries_viewed", object_id="3").exists()


def test_staff_sends_an_announcement_to_a_resident(client, officer, citizen) -> None:
    c = staff_client(client, officer)
    url = reverse("notifications:staff_announce")
    assert "Gửi thông báo cho người dân" in c.get(url).content.decode()
    missing = c.post(url, {"resident": "nobody", "title": "X", "message": "Y"})
    assert "Không tìm thấy người dân này" in missing.content.decode()
    response = c.post(url, {"resident": citizen.username, "title": "Mời họp tổ dân phố",
                            "message": "19h thứ sáu tại nhà văn hoá", "link": "/"})
    assert response.status_code == 302
    notification = Notification.objects.get(recipient=citizen)
    assert notification.title == "Mời họp tổ dân phố" and notification.actor == officer
    assert AuditEntry.objects.filter(action="notifications.announcement_sent").exists()


def test_send_notice_command(citizen) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("send_notice", citizen.username, title="Thông báo thử", message="Nội dung", stdout=out)
    assert "Nguyễn Thị Lan" in out.getvalue()
    assert Notification.objects.get(recipient=citizen).title == "Thông báo thử"
    with pytest.raises(CommandError):
        call_command("send_notice", "khong-co-ai", title="X")
