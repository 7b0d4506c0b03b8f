"""Announcement text goes through the one text normaliser (trimmed of invisible characters, NFC)."""

from __future__ import annotations

import unicodedata

from django.urls import reverse

from congdanso.notifications.models import Notification
from congdanso.reports.tests.conftest import staff_client


def test_announcement_text_is_normalised(client, officer, citizen) -> None:
    c = staff_client(client, officer)
    response = c.post(reverse("notifications:staff_announce"), {
        "resident": citizen.username, "title": "\u200b Mời họp tổ dân phố\u200b ",
        "message": unicodedata.normalize("NFD", "19h thứ sáu\r\ntại nhà văn hoá\ufeff")})
    assert response.status_code == 302
    notification = Notification.objects.get(recipient=citizen)
    assert notification.title == "Mời họp tổ dân phố"
    assert notification.body.startswith("19h thứ sáu\ntại nhà văn hoá")
