"""SMS to a person without an account (``services.notify_contacts``, ``contacts.py``): a notification with no
recipient and one SMS delivery; the number comes from the owning app when the SMS is sent, never stored here; the
gateway gets it like any other SMS; a kind meant for accounts, or an object type nobody answers for, is refused."""

from __future__ import annotations

import pytest
from django.db import transaction

from congdanso.notifications import contacts, services
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification
from congdanso.notifications.tests.test_email_sms import Gateway
from congdanso.testing.factories import drain, make_due

pytestmark = pytest.mark.django_db

NUMBERS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _lookup(citizen):
    NUMBERS.clear()
    contacts.register("accounts.user", lambda ids: {i: NUMBERS[i] for i in ids if i in NUMBERS})
    yield
    contacts._lookups.pop("accounts.user", None)


def receipt(obj, **context) -> services.ContactNotice:
    return services.ContactNotice("caller_receipt", {"code": "PA-2026-000007", "channel": "Đường dây nóng 1022",
                                                     **context}, obj=obj, link="/phan-anh/PA-2026-000007")


def test_the_gateway_gets_the_number_the_owning_app_gives_at_send_time(citizen, settings) -> None:
    gateway = Gateway()
    settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_TOKEN = "http", gateway.url, "tok"
    NUMBERS[str(citizen.pk)] = "+84912000111"
    with transaction.atomic():
        assert services.notify_contacts([receipt(citizen)]) == 1
    notification = Notification.objects.get()
    assert notification.recipient is None and notification.read_at is None
    assert "912000111" not in notification.title + notification.body  # the number is never copied here
    NUMBERS[str(citizen.pk)] = "+84912000222"  # changed before the worker ran: the new number is used
    drain()
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    ((_headers, body),) = gateway.requests
    assert body["to"] == "+84912000222"
    assert body["text"].startswith("Đã ghi nhận phản ánh PA-2026-000007: Cảm ơn bạn đã phản ánh qua Đường dây nóng")
    gateway.server.shutdown()


def test_no_number_any_more_means_no_sms(citizen) -> None:
    with transaction.atomic():
        services.notify_contacts([receipt(citizen)])
    drain()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == "no phone number"


def test_updates_within_the_window_are_one_sms(citizen, settings) -> None:
    settings.NOTIFY_GROUP_SECONDS = 120
    NUMBERS[str(citizen.pk)] = "+84912000111"
    for status in ("Đã tiếp nhận", "Đang xử lý"):
        with transaction.atomic():
            services.notify_contacts([services.ContactNotice(
                "caller_update", {"code": "PA-7", "status": status}, obj=citizen, link="/phan-anh/PA-7")])
    notification = Notification.objects.get()
    assert notification.group_count == 2 and notification.title == "Phản ánh PA-7: Đang xử lý"
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    make_due()
    drain()
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_only_contact_kinds_to_registered_objects(citizen, ward) -> None:
    with pytest.raises(ValueError):
        services.notify_contacts([services.ContactNotice("report_status", {}, obj=citizen)])
    with pytest.raises(ValueError):  # nobody gives numbers for wards
        services.notify_contacts([receipt(ward)])
    assert not Notification.objects.exists()


def test_the_inbox_never_shows_a_contact_notice(client, citizen) -> None:
    with transaction.atomic():
        services.notify_contacts([receipt(citizen)])
    client.force_login(citizen)
    assert "PA-2026-000007" not in client.get("/notifications/").content.decode()
