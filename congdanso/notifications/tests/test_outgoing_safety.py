"""Push endpoints and webhooks on internal addresses: refused when registered, and never contacted when sending."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from congdanso.core.models import OutboxMessage
from congdanso.notifications import services
from congdanso.notifications.errors import InvalidWebhook
from congdanso.notifications.models import Delivery, DeliveryStatus, PushSubscription, Webhook
from congdanso.notifications.tests.pushservice import PushService, Subscriber
from congdanso.notifications.tests.test_webhooks import SECRET, Receiver
from congdanso.notifications.tests.test_webpush import send
from congdanso.testing.factories import drain

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("endpoint", [
    "https://169.254.169.254/latest/meta-data/", "https://10.20.30.40/push/1", "https://[::1]/push",
    "https://[::ffff:192.168.1.1]/push", "https://localhost:8443/push", "https://metadata.google.internal/p",
    "http://127.0.0.1:6379/",
])
def test_registering_a_push_endpoint_on_an_internal_address_is_a_400(client, citizen, settings, endpoint) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = []
    client.force_login(citizen)
    response = client.post("/api/v1/push/subscriptions", json.dumps(Subscriber.new().subscription(endpoint)),
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_subscription"
    assert "địa chỉ công khai" in response.json()["message"]
    assert not PushSubscription.objects.exists()


def test_a_stored_endpoint_on_an_internal_address_is_never_contacted(citizen, settings,
                                                                      push_service: PushService) -> None:
    """An endpoint stored before the check (or allowed then, and no longer): the worker refuses it and gives up."""
    _subscriber, info = push_service.subscribe("/ok/lan")
    services.save_subscription(citizen, info)
    settings.OUTGOING_ALLOWED_HOSTS = []
    send([citizen])
    drain()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "refused" in delivery.last_error
    assert push_service.received == []


def test_creating_a_webhook_to_an_internal_address_is_refused(officer, settings) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = []
    for url in ("https://10.0.0.5/hook", "https://169.254.169.254/", "https://localhost/hook"):
        with pytest.raises(InvalidWebhook) as caught:
            services.create_webhook("Nội bộ", url, ["report.*"], actor=officer)
        assert caught.value.code == "bad_address"
    assert not Webhook.objects.exists()


def test_a_webhook_on_an_internal_address_is_never_posted(settings) -> None:
    receiver = Receiver()
    Webhook.objects.create(name="Cũ", url=receiver.url, secret=SECRET, topics=["report.*"])
    settings.OUTGOING_ALLOWED_HOSTS = []
    with transaction.atomic():
        services.emit_webhook("report.status_changed", {"code": "PA-9"})
    drain()
    assert receiver.calls == []
    assert "refused" in OutboxMessage.objects.get(topic=services.WEBHOOK_TOPIC).last_error
