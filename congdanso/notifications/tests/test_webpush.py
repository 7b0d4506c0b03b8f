"""Web Push end to end against a local push service that verifies VAPID and decrypts like a browser."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from congdanso.notifications import receipts, services, vapid
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification, PushSubscription
from congdanso.notifications.tests.pushservice import PushService
from congdanso.testing.factories import drain, make_due

pytestmark = pytest.mark.django_db


def subscribe(user, push_service: PushService, path: str):
    subscriber, info = push_service.subscribe(path)
    return subscriber, services.save_subscription(user, info, session_key="s1")


def send(users, kind="report_status", object_id="1", **context):
    context = context or {"code": "PA-0001", "status": "Đang xử lý", "subject": "Ổ gà đường Lê Lợi"}
    with transaction.atomic():
        return services.notify(users, kind, context, link="/reports/PA-0001", object_type="reports.report",
                               object_id=object_id)


def test_push_is_encrypted_for_the_device_and_signed_with_vapid(citizen, push_service: PushService) -> None:
    subscribe(citizen, push_service, "/ok/lan")
    assert send([citizen]) == 1
    assert drain()["done"] == 1

    [message] = push_service.messages()
    notification = Notification.objects.get(recipient=citizen)
    assert message["title"] == "Phản ánh PA-0001: Đang xử lý"
    assert "Ổ gà đường Lê Lợi" in message["body"]
    assert message["url"] == "/reports/PA-0001" and message["tag"] == f"cds-{notification.pk}"
    received = push_service.received[0]
    assert received.vapid["_key"] == vapid.application_server_key()
    assert received.headers["urgency"] == "normal" and received.headers["topic"] == f"cds-{notification.pk}"
    assert 0 < int(received.headers["ttl"]) <= 3 * 24 * 3600
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.sent_at

    # The service worker confirms it showed the message: delivered.
    assert services.record_receipt(message["d"], message["r"])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at
    assert not services.record_receipt(message["d"], "forged")
    assert message["r"] == receipts.token(delivery.pk)


def test_vapid_token_is_signed_once_per_origin_and_reused(citizen, officer, push_service: PushService) -> None:
    for i, user in enumerate([citizen, officer]):
        subscribe(user, push_service, f"/ok/a{i}")
        subscribe(user, push_service, f"/ok/b{i}")
    send([citizen, officer])
    send([citizen, officer], object_id="2")  # another case: updates of one case within a window are grouped
    drain()
    headers = {r.headers["authorization"] for r in push_service.received}
    assert len(push_service.messages()) == 8
    assert len(headers) == 1, "one signed token per push-service origin"
    assert vapid.signed_count() == 1


def test_gone_subscriptions_are_removed(citizen, push_service: PushService) -> None:
    subscribe(citizen, push_service, "/gone/old-phone")
    subscribe(citizen, push_service, "/missing/old-laptop")
    subscribe(citizen, push_service, "/ok/new-phone")
    send([citizen])
    drain()
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [push_service.origin + "/ok/new-phone"]
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED)
    assert failed.count() == 2
    assert all("subscription expired" in d.last_error for d in failed)
    assert {d.last_error.split("answered ")[1][:3] for d in failed} == {"410", "404"}
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 1


def test_429_waits_for_retry_after_then_delivers(citizen, push_service: PushService, caplog) -> None:
    push_service.retry_after = "120"
    subscribe(citizen, push_service, "/busy/lan")
    send([citizen])
    with caplog.at_level(logging.WARNING):
        drain()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED and "429" in delivery.last_error
    assert delivery.available_at >= timezone.now() + timedelta(seconds=110), "Retry-After respected"
    assert "rate-limited" in caplog.text
    drain()  # nothing is due yet: no second request
    assert push_service.counters["/busy/lan"] == 1
    make_due()
    drain()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(push_service.messages()) == 1


def test_server_errors_and_timeouts_are_retried(citizen, officer, push_service: PushService, settings,
                                                 caplog) -> None:
    settings.PUSH_TIMEOUT_SECONDS = 1
    push_service.slow_seconds = 2.5
    subscribe(citizen, push_service, "/fail/lan")
    subscribe(officer, push_service, "/slow/hung")
    send([citizen, officer])
    with caplog.at_level(logging.WARNING):
        drain()
    errors = dict(Delivery.objects.values_list("subscription__endpoint", "last_error"))
    assert "500" in errors[push_service.origin + "/fail/lan"]
    assert "Timeout" in errors[push_service.origin + "/slow/hung"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}
    assert "will retry" in caplog.text
    make_due()
    drain()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    titles = [m["title"] for m in push_service.messages()]
    assert len(titles) == 2


def test_unreachable_push_service_is_retried_then_fails_for_good(citizen, settings) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from congdanso.notifications.tests.pushservice import Subscriber

    services.save_subscription(citizen, Subscriber.new().subscription(f"http://127.0.0.1:{port}/nobody"))
    send([citizen])
    drain()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED and "unreachable" in delivery.last_error
    make_due()
    drain()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2


def test_expired_deliveries_are_not_sent(citizen, push_service: PushService) -> None:
    subscribe(citizen, push_service, "/ok/lan")
    send([citizen])
    Delivery.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    drain()
    assert Delivery.objects.get().status == DeliveryStatus.EXPIRED
    assert push_service.received == []


def test_a_receipt_that_beats_the_worker_is_kept(citizen, push_service: PushService) -> None:
    """The service worker can confirm before the worker records "sent": delivered must not go back to sent."""
    from congdanso.notifications import delivery, states
    from congdanso.notifications.channels import webpush

    subscribe(citizen, push_service, "/ok/lan")
    send([citizen])
    original = webpush.WebPushChannel.send

    def send_then_receipt(self, deliveries):
        outcomes = original(self, deliveries)
        for m in push_service.messages():
            services.record_receipt(m["d"], m["r"])  # what the service worker does on "push"
        return outcomes

    webpush.WebPushChannel.send = send_then_receipt
    try:
        delivery.deliver(list(Delivery.objects.values_list("pk", flat=True)))
    finally:
        webpush.WebPushChannel.send = original
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.DELIVERED and row.sent_at and row.delivered_at
    assert states.can_move("sending", "delivered") and not states.can_move("delivered", "sent")


def test_a_429_holds_back_the_rest_of_that_origin_for_as_long_as_it_asked(citizen, officer, push_service,
                                                                         settings) -> None:
    settings.PUSH_CONCURRENCY = 1  # one connection: the second push waits behind the first
    push_service.retry_after = "90"
    subscribe(citizen, push_service, "/busy/lan")
    subscribe(officer, push_service, "/ok/minh")
    send([citizen, officer])
    drain()
    assert push_service.counters == {"/busy/lan": 1}, "nothing more was sent to that push service"
    for delivery in Delivery.objects.all():
        assert delivery.status == DeliveryStatus.QUEUED and "429" in delivery.last_error
        assert delivery.available_at >= timezone.now() + timedelta(seconds=80), "its Retry-After, for both"
    make_due()
    drain()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(push_service.messages()) == 2


def test_unusable_keys_fail_that_delivery_only(citizen, officer, push_service: PushService) -> None:
    _subscriber, broken = subscribe(citizen, push_service, "/ok/lan")
    subscribe(officer, push_service, "/ok/minh")
    PushSubscription.objects.filter(pk=broken.pk).update(p256dh="AAAA")  # damaged after it was checked
    send([citizen, officer])
    drain()
    statuses = dict(Delivery.objects.values_list("subscription__endpoint", "status"))
    assert statuses[push_service.origin + "/ok/lan"] == DeliveryStatus.FAILED
    assert statuses[push_service.origin + "/ok/minh"] == DeliveryStatus.SENT
    assert "keys unusable" in Delivery.objects.get(subscription=broken).last_error
    assert list(push_service.counters) == ["/ok/minh"]


def test_last_success_is_recorded_at_most_hourly(citizen, push_service: PushService) -> None:
    _subscriber, subscription = subscribe(citizen, push_service, "/ok/lan")
    send([citizen])
    drain()
    subscription.refresh_from_db()
    first = subscription.last_success_at
    assert first is not None
    send([citizen], object_id="2")  # another case: one case's updates within a window are grouped
    drain()
    subscription.refresh_from_db()
    assert subscription.last_success_at == first, "not rewritten within the hour"
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=first - timedelta(hours=2))
    send([citizen], object_id="3")
    drain()
    subscription.refresh_from_db()
    assert subscription.last_success_at > first
