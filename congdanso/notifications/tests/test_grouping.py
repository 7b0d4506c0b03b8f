"""Updates of one case within a short window are one notification; a repeated event is not told twice; the kinds'
texts have typographic quotes and never "..".
"""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest
from django.utils import timezone

from congdanso.notifications import kinds, rendering, services
from congdanso.notifications.models import Channel, Delivery, DeliveryStatus, Notification, Preference

pytestmark = pytest.mark.django_db

STATUSES = ["Đã tiếp nhận", "Đã giao xử lý", "Đang xử lý", "Đang xử lý", "Đã xử lý xong"]


def _status(citizen, status: str, *, code: str = "PA-2026-000005", object_id: str = "5", kind: str = "report_status",
            note: str = "") -> int:
    return services.notify([citizen], kind, {"code": code, "status": status, "subject": "Ổ gà", "note": note,
                                             "result": note}, link=f"/phan-anh/{code}", object_type="reports.report",
                           object_id=object_id)


def test_five_events_within_the_window_are_one_notification(citizen, settings) -> None:
    settings.NOTIFY_GROUP_SECONDS = 120
    Preference.objects.create(user=citizen, channels={"report_status": ["webpush"], "report_result": ["webpush"]})
    from congdanso.notifications.models import PushSubscription

    PushSubscription.objects.create(user=citizen, endpoint="https://push.example/1", p256dh="x", auth="y")
    for i, status in enumerate(STATUSES):
        _status(citizen, status, note=f"bước {i}", kind="report_result" if i == 4 else "report_status")
        if i == 0:  # the worker sent the first push at once
            Delivery.objects.update(status=DeliveryStatus.SENT)
    notification = Notification.objects.get(recipient=citizen)
    assert notification.group_count == 5
    assert notification.kind == "report_result" and "đã có kết quả" in notification.title
    assert "bước 4" in notification.body
    pushes = Delivery.objects.filter(notification=notification, channel=Channel.WEBPUSH)
    # the first push at once; the later updates ride on one more push, held until the window ends
    assert pushes.count() == 2
    later = pushes.order_by("pk").last()
    assert later.status == DeliveryStatus.QUEUED
    assert later.available_at >= notification.created_at + dt.timedelta(seconds=119)


def test_merged_update_makes_the_notification_unread_again(citizen) -> None:
    _status(citizen, "Đã tiếp nhận")
    services.mark_all_read(citizen)
    _status(citizen, "Đang xử lý")
    notification = Notification.objects.get(recipient=citizen)
    assert notification.read_at is None and notification.updated_at is not None


def test_a_repeated_event_is_not_told_twice(citizen) -> None:
    _status(citizen, "Đã tiếp nhận")
    _status(citizen, "Đã tiếp nhận")
    notification = Notification.objects.get(recipient=citizen)
    assert notification.group_count == 1
    assert not Delivery.objects.filter(notification=notification).exists()  # no device, no e-mail: inbox only


def test_duplicates_in_one_batch_are_one(citizen) -> None:
    notice = services.Notice([citizen], "report_status", {"code": "PA-1", "status": "Mở lại", "subject": "x"},
                             object_type="reports.report", object_id="1")
    services.notify_many([notice, notice, services.Notice([citizen, citizen.pk], "announcement",
                                                          {"title": "A", "message": "B"})])
    assert Notification.objects.filter(recipient=citizen, kind="report_status").count() == 1
    assert Notification.objects.filter(recipient=citizen, kind="announcement").count() == 1


def test_other_cases_and_later_updates_are_separate(citizen, settings) -> None:
    settings.NOTIFY_GROUP_SECONDS = 120
    _status(citizen, "Đã tiếp nhận")
    _status(citizen, "Đã tiếp nhận", code="PA-2026-000006", object_id="6")
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=3))
    _status(citizen, "Đang xử lý")
    assert Notification.objects.filter(recipient=citizen).count() == 3


def test_no_grouping_when_the_window_is_zero(citizen, settings) -> None:
    settings.NOTIFY_GROUP_SECONDS = 0
    _status(citizen, "Đã tiếp nhận")
    _status(citizen, "Đang xử lý")
    assert Notification.objects.filter(recipient=citizen).count() == 2


def test_an_english_resident_gets_english_text(citizen) -> None:
    citizen.preferred_language = "en"
    citizen.save()
    from congdanso.reports.states import Status

    services.notify([citizen], "report_status", {"code": "PA-2026-000005", "status": Status.IN_PROGRESS.label,
                                                  "subject": "Ổ gà", "note": "Đã cử đội sửa"})
    n = Notification.objects.get(recipient=citizen)
    assert n.language == "en"
    assert n.title == "Report PA-2026-000005: In progress"
    assert n.body.startswith("Your report “Ổ gà” is now “In progress”.")


KINDS_DIR = pathlib.Path(__file__).resolve().parents[1] / "templates" / "notifications" / "kinds"


@pytest.mark.parametrize("path", sorted(KINDS_DIR.glob("*.txt")), ids=lambda p: p.name)
def test_kind_templates_use_typographic_quotes(path: pathlib.Path) -> None:
    text = path.read_text()
    outside_tags = "".join(part.split("%}", 1)[-1] for part in text.split("{%"))
    assert '"' not in outside_tags and "'" not in outside_tags.replace("’", "")


@pytest.mark.parametrize("kind", [k.code for k in kinds.all_kinds()])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_double_full_stop_whatever_the_text(kind: str, language: str) -> None:
    ending = "Đã vá xong."
    context = {key: ending for key in ("code", "status", "subject", "note", "result", "message", "answer", "agency",
                                       "procedure", "title", "headline")} | {"due": "17:00 05/12/2026"}
    text = rendering.render(kind, language, context)
    assert ".." not in text.title + text.body
    plain = rendering.render(kind, language, {**context, "note": "Đã vá xong", "result": "Đã vá xong",
                                              "message": "Đã vá xong", "answer": "Đồng ý"})
    assert ".." not in plain.body and " ." not in plain.body


def test_preferences_list_only_kinds_of_areas_that_exist(client, citizen) -> None:
    client.force_login(citizen)
    html = client.get("/notifications/preferences").content.decode()
    assert "ch-report_status" in html
    assert "ch-dossier_status" in html  # the dossiers app runs
    assert "ch-idea_answered" not in html and "ch-emergency_alert" not in html  # no feedback or alerts app yet
