"""The inbox page and API, the header badge, preferences, push subscriptions (bad input too) and logout."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.urls import reverse

from congdanso.notifications import receipts, services, vapid
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification, Preference, PushSubscription
from congdanso.notifications.tests.pushservice import Subscriber
from congdanso.testing.factories import verified_contact

pytestmark = pytest.mark.django_db


def announce(user, title="Lịch cắt nước", link="/reports/PA-1") -> Notification:
    with transaction.atomic():
        services.notify([user], "announcement", {"title": title, "message": "Thứ bảy, 8h-12h"}, link=link)
    return Notification.objects.filter(recipient=user).first()


def test_badge_inbox_and_open_marks_read(client, citizen, officer) -> None:
    first = announce(citizen, "Lịch cắt nước")
    announce(citizen, "Lịch tiêm chủng")
    announce(officer, "Không phải của Lan")
    client.force_login(citizen)
    home = client.get("/")
    assert b'data-testid="unread-count"' in home.content
    assert '<span class="inbox-count" data-testid="unread-count" >2</span>' in home.content.decode()
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "Lịch cắt nước" in page and "Lịch tiêm chủng" in page and "Không phải của Lan" not in page
    assert f'<form method="post" action="{reverse("notifications:open", args=[first.pk])}">' in page, \
        "opening from the inbox is a POST"
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/reports/PA-1"
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    other = Notification.objects.get(recipient=officer)
    assert client.post(reverse("notifications:open", args=[other.pk])).status_code == 302
    assert client.get(reverse("notifications:open", args=[other.pk])).status_code == 302
    other.refresh_from_db()
    assert other.read_at is None, "nobody reads someone else's notification"
    client.post(reverse("notifications:read_all"))
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}


def test_getting_a_notification_changes_nothing_and_its_page_marks_it_read_with_a_post(client, citizen) -> None:
    """A link prefetcher or mail scanner following the link must not mark the notification read."""
    notification = announce(citizen, "Lịch cắt nước")
    client.force_login(citizen)
    url = reverse("notifications:open", args=[notification.pk])
    shown = client.get(url)
    assert shown.status_code == 200 and "Lịch cắt nước" in shown.content.decode()
    client.head(url)
    notification.refresh_from_db()
    assert notification.read_at is None, "a GET or HEAD changes nothing"
    html = shown.content.decode()
    mark = reverse("api-v1:notifications_read", args=[notification.pk])
    assert f'data-mark-read="{mark}"' in html and "notifications/mark-read" in html
    assert client.post(mark).status_code == 200  # what mark-read.js sends
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "data-mark-read" not in client.get(url).content.decode()


def test_inbox_needs_login(client) -> None:
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "/auth/vneid/login" in response["Location"]
    assert client.get("/api/v1/notifications/unread-count").status_code == 401


def test_api_inbox_paging_and_read(client, citizen, officer) -> None:
    for i in range(5):
        announce(citizen, f"Tin {i}")
    client.force_login(citizen)
    page1 = client.get("/api/v1/notifications?limit=3").json()
    assert page1["unread"] == 5 and [n["title"] for n in page1["items"]] == ["Tin 4", "Tin 3", "Tin 2"]
    page2 = client.get(f"/api/v1/notifications?limit=3&before={page1['next_before']}").json()
    assert [n["title"] for n in page2["items"]] == ["Tin 1", "Tin 0"] and page2["next_before"] is None
    read = client.post(f"/api/v1/notifications/{page1['items'][0]['id']}/read").json()
    assert read["read_at"] is not None
    other = announce(officer)
    missing = client.post(f"/api/v1/notifications/{other.pk}/read")
    assert missing.status_code == 404 and missing.json()["code"] == "notification_not_found"
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 4, "unread": 0}


def test_push_subscription_api_and_logout(client, citizen) -> None:
    client.force_login(citizen)
    assert client.get("/api/v1/push/public-key").json()["public_key"] == vapid.application_server_key()
    info = Subscriber.new().subscription("https://fcm.googleapis.com/fcm/send/abc")
    response = client.post("/api/v1/push/subscriptions", json.dumps(info), content_type="application/json")
    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert subscription.user == citizen and subscription.session_key == client.session.session_key
    # The same browser again: one row, not two.
    client.post("/api/v1/push/subscriptions", json.dumps(info), content_type="application/json")
    assert PushSubscription.objects.count() == 1
    client.post(reverse("accounts:logout"))
    assert not PushSubscription.objects.exists(), "logging out forgets this session's subscription"


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "không phải JSON hợp lệ"),
    (b"[1, 2]", "phải là một đối tượng JSON"),
    (b'{"keys": {}}', "Thiếu địa chỉ dịch vụ đẩy"),
    (b'{"endpoint": "ftp://push.example/x", "keys": {"p256dh": "x", "auth": "y"}}', "phải dùng https"),
    (b'{"endpoint": "https://push.example/x"}', "Thiếu khoá mã hoá"),
    (b'{"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}',
     "65 byte"),
    (b'{"endpoint": "https://push.example/x", "keys": {"p256dh": "!!!", "auth": "y"}}', "base64url"),
])
def test_malformed_subscription_is_a_400_with_a_message(client, citizen, body, message) -> None:
    client.force_login(citizen)
    response = client.post("/api/v1/push/subscriptions", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_subscription"
    assert message in response.json()["message"]
    assert not PushSubscription.objects.exists()


def test_receipt_endpoint(client, citizen) -> None:
    services.save_subscription(citizen, Subscriber.new().subscription("https://push.example/1"))
    announce(citizen)
    delivery = Delivery.objects.get()
    Delivery.objects.update(status=DeliveryStatus.SENT)
    bad = client.post("/api/v1/push/receipts", {"d": delivery.pk, "r": "x" * 32}, content_type="application/json")
    assert bad.json() == {"ok": False}
    good = client.post("/api/v1/push/receipts", {"d": delivery.pk, "r": receipts.token(delivery.pk)},
                       content_type="application/json")
    assert good.json() == {"ok": True}
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_preferences_page(client, citizen) -> None:
    client.force_login(citizen)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'id="push-enable"' in page and vapid.application_server_key() in page
    assert "Việc mới được giao" not in page, "staff kinds are not offered to residents"
    verified_contact(citizen, phone="0901 234 567")  # SMS may be chosen once the number is proved
    response = client.post(reverse("notifications:preferences"), {
        "ch-report_status": ["webpush", "sms"], "ch-announcement": [], "quiet_start": "22:00", "quiet_end": "06:00"})
    assert response.status_code == 302
    pref = Preference.objects.get(user=citizen)
    assert pref.channels["report_status"] == ["webpush", "sms"] and pref.channels["announcement"] == []
    assert str(pref.quiet_start) == "22:00:00" and pref.phone == "0901234567"
    bad = client.post(reverse("notifications:preferences"), {"quiet_start": "22:00"})
    assert bad.status_code == 400
    assert "giờ kết thúc" in bad.content.decode()
