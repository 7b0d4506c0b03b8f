"""Announcement text goes through the one text normaliser (trimmed of invisible characters, NFC)."""

from __future__ import annotations

import unicodedata

from django.urls import reverse

from congdanso.notifications.models import Notification
from congdanso.testing.factories import staff_client


def test_announcement_text_is_normalised(client, agency_admin, citizen) -> None:
    c = staff_client(client, agency_admin)
    url = reverse("notifications:staff_announce")
    confirm = c.post(url, {
        "resident": citizen.username, "reason": "Trả lời đơn số 12/2026 về họp tổ dân phố",
        "title": "\u200b Mời họp tổ dân phố\u200b ",
        "message": unicodedata.normalize("NFD", "19h thứ sáu\r\ntại nhà văn hoá\ufeff")})
    assert confirm.status_code == 200
    assert c.post(url, {"token": confirm.context["token"]}).status_code == 302
    notification = Notification.objects.get(recipient=citizen)
    assert notification.title == "Mời họp tổ dân phố"
    assert notification.body.startswith("19h thứ sáu\ntại nhà văn hoá")
