"""Citizen pages: new report form (idempotent, errors in the caller's language), report page with timeline,
follow / me too, confirm / dispute, my reports, public list, photos without metadata, identity never public."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from congdanso.reports import services
from congdanso.reports.models import Report, ReportPhoto
from congdanso.reports.states import Status
from congdanso.testing.factories import LAT, LON, jpeg_bytes, make_input, photo


def post_report(client, cat, **extra):
    data = {"category": cat.code, "description": "Đèn đường tắt cả tuần", "lat": str(LAT), "lon": str(LON),
            "idempotency_key": "abc123", "address": "Lê Lợi"}
    headers = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    data.update({k: v for k, v in extra.items() if not k.startswith("HTTP_")})
    return client.post(reverse("reports:new"), data, **headers)


def test_form_needs_login(client, category):
    response = client.get(reverse("reports:new"))
    assert response.status_code == 302 and "/auth/" in response["Location"]


def test_form_lists_grouped_categories_and_wards(client, citizen, category, ward):
    client.force_login(citizen)
    page = client.get(reverse("reports:new")).content.decode()
    assert '<optgroup label="Giao thông">' in page
    assert category.name in page and ward.name in page
    assert 'name="idempotency_key"' in page


def test_submit_with_photo_then_page_shows_timeline_without_identity(client, citizen, category):
    client.force_login(citizen)
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = post_report(client, category, photos=[upload])
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:sent", args=[report.code])
    client.logout()
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert report.code in page and "Đèn đường tắt cả tuần" in page
    assert citizen.full_name not in page
    assert "Đã gửi phản ánh" in page
    assert "Sở Xây dựng" in page  # who holds it
    photo_row = ReportPhoto.objects.get()
    image = client.get(reverse("reports:photo", args=[photo_row.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    data = b"".join(image.streaming_content)
    assert not Image.open(io.BytesIO(data)).getexif()  # EXIF (GPS, phone model) stripped
    assert b"SecretPhone" not in data


def test_resubmitting_the_same_form_makes_one_report(client, citizen, category):
    client.force_login(citizen)
    post_report(client, category)
    again = post_report(client, category)
    assert again.status_code == 302
    assert Report.objects.count() == 1


def test_json_submit_conflict_and_errors(client, citizen, category):
    client.force_login(citizen)
    ok = post_report(client, category, HTTP_ACCEPT="application/json")
    assert ok.status_code == 201 and ok.json()["code"].startswith("PA-")
    replay = post_report(client, category, HTTP_ACCEPT="application/json")
    assert replay.status_code == 200 and replay.json()["created"] is False
    conflict = post_report(client, category, description="Khác", HTTP_ACCEPT="application/json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    outside = post_report(client, category, idempotency_key="k2", lat="48.85", lon="2.35",
                          HTTP_ACCEPT="application/json")
    assert outside.status_code == 400 and "ngoài địa bàn" in outside.json()["message"]


def test_errors_in_english_for_english_speakers(client, citizen, category):
    client.force_login(citizen)
    response = post_report(client, category, category="nope", HTTP_ACCEPT="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["code"] == "unknown_category"


def test_bad_photo_rerenders_form_with_message(client, citizen, category):
    client.force_login(citizen)
    upload = SimpleUploadedFile("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif")
    response = post_report(client, category, photos=[upload])
    assert response.status_code == 400
    assert "x.gif" in response.content.decode()
    assert Report.objects.count() == 0


def test_script_in_text_is_escaped(client, citizen, category):
    report = services.submit_report(make_input(category, description="<script>alert(1)</script>"),
                                    actor=citizen).report
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_confirm_and_dispute_on_the_page(client, citizen, report, officer):
    services.receive_report(report, actor=officer)
    services.resolve_report(report, actor=officer, note="Đã thay bóng đèn", photos=[photo()])
    client.force_login(citizen)
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert "Xác nhận đã xử lý" in page and "Đã thay bóng đèn" in page
    client.post(reverse("reports:dispute", args=[report.code]), {"reason": "Vẫn tắt"})
    assert Report.objects.get(pk=report.pk).status == Status.REOPENED


def test_follow_and_me_too(client, report, django_user_model):
    bob = django_user_model.objects.create(username="oidc-bob")
    client.force_login(bob)
    client.post(reverse("reports:follow", args=[report.code]), {"me_too": "1"})
    report.refresh_from_db()
    assert report.me_too_count == 1 and report.follower_count == 1
    mine = client.get(reverse("reports:mine")).content.decode()
    assert report.code in mine


def test_hidden_report_is_not_public(client, report, officer):
    services.moderate_report(report, actor=officer, hidden=True, reason="Nội dung xúc phạm")
    assert client.get(reverse("reports:detail", args=[report.code])).status_code == 404
    photo_row = ReportPhoto.objects.filter(report=report).first()
    assert client.get(reverse("reports:photo", args=[photo_row.pk])).status_code == 404


def test_public_list_filters_and_cursor(client, citizen, category, ward_category, ward, settings):
    settings.REPORTS_RATE_PER_USER_HOUR = 0
    for i in range(25):
        services.submit_report(make_input(category, description=f"Ổ gà số {i}"), actor=citizen)
    services.submit_report(make_input(ward_category, ward=ward.code, lat=None, lon=None), actor=citizen)
    page = client.get(reverse("reports:list")).content.decode()
    assert page.count('class="report-row"') == 20 and "cursor=" in page
    filtered = client.get(reverse("reports:list"), {"category": ward_category.code}).content.decode()
    assert filtered.count('class="report-row"') == 1


def test_nearby_suggestions(client, citizen, category, report):
    html = client.get(reverse("reports:nearby"), {"category": category.code, "lat": LAT + 0.0003,
                                                  "lon": LON}).content.decode()
    assert report.code in html
    far = client.get(reverse("reports:nearby"), {"category": category.code, "lat": LAT + 0.05,
                                                 "lon": LON}).content.decode()
    assert report.code not in far


def test_home_links_to_reports(client):
    assert reverse("reports:list") in client.get("/").content.decode()


def test_form_asks_the_category_questions(client, citizen, category):
    from congdanso.reports.models import CategoryAttribute

    CategoryAttribute.objects.create(category=category, code="so-tru", description="Số hiệu trụ đèn", required=True)
    client.force_login(citizen)
    page = client.get(reverse("reports:new")).content.decode()
    assert 'name="attribute[so-tru]"' in page and "Số hiệu trụ đèn" in page
    missing = post_report(client, category, HTTP_ACCEPT="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "attribute_required"
    ok = post_report(client, category, idempotency_key="k9", **{"attribute[so-tru]": "T-7"})
    assert ok.status_code == 302
    assert Report.objects.get().attributes == {"so-tru": "T-7"}


def test_timeline_names_actors_in_the_readers_language(client, report, officer):
    from congdanso.reports import services as report_services

    report_services.receive_report(report, actor=officer)
    english = client.get(f"/phan-anh/{report.code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    vietnamese = client.get(f"/phan-anh/{report.code}", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Reporter" in english and "Người phản ánh" not in english
    assert "Người phản ánh" in vietnamese
    assert "Sở Xây dựng" in english  # agency names stay as they are
