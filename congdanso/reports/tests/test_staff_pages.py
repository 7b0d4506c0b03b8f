"""Back office: queue scoped to the officer's agency with filters, bulk assign, workbench actions, resolve with
proof photo, hotline entry, redaction, identity reveal (audited, DPO grant for hidden reporters)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from congdanso.core.models import AuditEntry
from congdanso.reports import services
from congdanso.reports.models import Report, ReportEvent, ReportPhoto
from congdanso.reports.states import Status
from congdanso.testing.factories import jpeg_bytes, make_input, staff_client


def test_queue_needs_staff_login(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("reports_staff:queue")).status_code == 302


def test_officer_sees_only_own_agency(client, officer, other_officer, citizen, category, ward_category, ward):
    mine = services.submit_report(make_input(category), actor=citizen).report
    theirs = services.submit_report(make_input(ward_category, ward=ward.code, lat=None, lon=None),
                                    actor=citizen).report
    page = staff_client(client, officer).get(reverse("reports_staff:queue")).content.decode()
    assert mine.code in page and theirs.code not in page
    assert client.get(reverse("reports_staff:detail", args=[theirs.pk])).status_code == 404


def test_queue_filters(client, city_admin, citizen, category, orphan_category):
    a = services.submit_report(make_input(category), actor=citizen).report
    b = services.submit_report(make_input(orphan_category), actor=citizen).report
    c = staff_client(client, city_admin)
    page = c.get(reverse("reports_staff:queue"), {"category": category.code}).content.decode()
    assert a.code in page and b.code not in page
    triage = c.get(reverse("reports_staff:queue"), {"triage": "1"}).content.decode()
    assert b.code in triage and a.code not in triage
    Report.objects.filter(pk=a.pk).update(resolve_due_at="2020-01-01T00:00:00Z")
    overdue = c.get(reverse("reports_staff:queue"), {"overdue": "1"}).content.decode()
    assert a.code in overdue and b.code not in overdue


def test_bulk_assign(client, officer, citizen, category):
    reports = [services.submit_report(make_input(category, description=f"n{i}"), actor=citizen).report
               for i in range(3)]
    for r in reports[:2]:
        services.receive_report(r, actor=officer)
    c = staff_client(client, officer)
    c.post(reverse("reports_staff:bulk_assign"), {"assignee": officer.pk, "report": [r.pk for r in reports]})
    statuses = {r.code: Report.objects.get(pk=r.pk).status for r in reports}
    assert statuses[reports[0].code] == Status.ASSIGNED and statuses[reports[1].code] == Status.ASSIGNED
    assert statuses[reports[2].code] == Status.SUBMITTED  # not received yet: refused, reported back


def test_workbench_resolve_with_proof(client, officer, report):
    c = staff_client(client, officer)
    c.post(reverse("reports_staff:act", args=[report.pk, "receive"]))
    no_photo = c.post(reverse("reports_staff:act", args=[report.pk, "resolve"]), {"note": "Xong"}, follow=True)
    assert "ảnh chứng minh" in no_photo.content.decode()
    proof = SimpleUploadedFile("after.jpg", jpeg_bytes(), content_type="image/jpeg")
    c.post(reverse("reports_staff:act", args=[report.pk, "resolve"]), {"note": "Đã vá", "photos": [proof]})
    r = Report.objects.get(pk=report.pk)
    assert r.status == Status.RESOLVED and r.photos.filter(kind="proof").count() == 1


def test_note_is_internal(client, officer, report):
    c = staff_client(client, officer)
    c.post(reverse("reports_staff:act", args=[report.pk, "note"]), {"text": "Bí mật nội bộ"})
    assert "Bí mật nội bộ" in c.get(reverse("reports_staff:detail", args=[report.pk])).content.decode()
    client.logout()
    assert "Bí mật nội bộ" not in client.get(reverse("reports:detail", args=[report.code])).content.decode()


def test_transfer_and_reject_from_workbench(client, officer, report, ward_committee):
    c = staff_client(client, officer)
    c.post(reverse("reports_staff:act", args=[report.pk, "transfer"]),
           {"agency": ward_committee.pk, "reason": "Thuộc phường"})
    r = Report.objects.get(pk=report.pk)
    assert r.status == Status.TRANSFERRED and r.agency == ward_committee


def test_moderation_edits_text_and_keeps_old_text_internal(client, officer, report):
    c = staff_client(client, officer)
    c.post(reverse("reports_staff:act", args=[report.pk, "moderate"]),
           {"description": "Ổ gà (đã bỏ số điện thoại)", "reason": "Xoá thông tin cá nhân"})
    r = Report.objects.get(pk=report.pk)
    assert r.description == "Ổ gà (đã bỏ số điện thoại)"
    note = ReportEvent.objects.get(report=r, kind="note")
    assert not note.is_public and "Ổ gà lớn" in note.message


def test_redact_photo_region(client, officer, citizen, category, django_capture_on_commit_callbacks):
    report = services.submit_report(make_input(category, photos=[services.Upload(
        "w.jpg", jpeg_bytes(100, 100, (255, 255, 255)))]), actor=citizen).report
    photo_row = ReportPhoto.objects.get(report=report)
    old_name = photo_row.image.name
    c = staff_client(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("reports_staff:photo", args=[photo_row.pk]), {"action": "redact", "boxes": "0,0,50,50",
                                                                          "reason": "Che biển số xe"})
    photo_row.refresh_from_db()
    assert photo_row.redacted_at and photo_row.image.name != old_name
    with photo_row.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read())).convert("RGB")
    assert image.getpixel((10, 10))[0] < 30 and image.getpixel((90, 90))[0] > 220
    from django.core.files.storage import default_storage

    assert not default_storage.exists(old_name)  # the unredacted file is gone


def test_hotline_entry_records_channel(client, officer, category):
    c = staff_client(client, officer)
    response = c.post(reverse("reports_staff:on_behalf"), {
        "channel": "hotline", "category": category.code, "description": "Gọi 1022: cống nghẹt", "lat": "10.78",
        "lon": "106.70", "contact_name": "Ông Ba", "contact_phone": "0912345678", "idempotency_key": "h1"})
    r = Report.objects.get()
    assert response.status_code == 302 and r.channel == "hotline" and r.created_by == officer
    assert r.reporter is None and r.contact_phone == "+84912345678"  # one form however it was typed
    assert r.sms_consent_at is None  # not asked: no SMS


def test_identity_reveal_is_audited_and_hidden_needs_dpo_grant(client, officer, citizen, category, dpo):
    open_report = services.submit_report(make_input(category), actor=citizen).report
    hidden = services.submit_report(make_input(category, description="nhạy cảm", identity_hidden=True),
                                    actor=citizen).report
    c = staff_client(client, officer)
    page = c.get(reverse("reports_staff:detail", args=[open_report.pk]), {"identity": "1"}).content.decode()
    assert citizen.full_name in page
    assert AuditEntry.objects.filter(action="report.identity_viewed", object_id=str(open_report.pk)).exists()
    page = c.get(reverse("reports_staff:detail", args=[hidden.pk]), {"identity": "1"}).content.decode()
    assert citizen.full_name not in page
    services.grant_identity(hidden, grantee=officer, actor=dpo, reason="Cần liên hệ xác minh hiện trường")
    assert AuditEntry.objects.filter(action="report.identity_granted").exists()
    page = c.get(reverse("reports_staff:detail", args=[hidden.pk]), {"identity": "1"}).content.decode()
    assert citizen.full_name in page


def test_only_dpo_grants(officer, report, other_officer):
    import pytest

    from congdanso.reports.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.grant_identity(report, grantee=other_officer, actor=officer, reason="x")


def test_bulk_assign_next_stays_on_site(client, officer, citizen, category):
    """``next`` may only be a relative path on this site; anything else falls back to the queue."""
    report = services.submit_report(make_input(category), actor=citizen).report
    services.receive_report(report, actor=officer)
    c = staff_client(client, officer)
    url = reverse("reports_staff:bulk_assign")
    form = {"assignee": officer.pk, "report": [report.pk]}
    for bad in ("https://evil.example/phish", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                "http:/evil.example"):
        answer = c.post(url, {**form, "next": bad})
        assert answer.status_code == 302 and answer["Location"] == reverse("reports_staff:queue"), bad
    good = reverse("reports_staff:queue") + "?status=open&page=2"
    assert c.post(url, {**form, "next": good})["Location"] == good
