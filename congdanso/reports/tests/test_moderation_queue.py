"""Editors and city admins moderate across agencies: a queue of new and flagged reports, text edits and photo
redactions, each shown publicly as "đã biên tập" with its reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from congdanso.accounts.roles import Role
from congdanso.core.models import AuditEntry
from congdanso.reports import services
from congdanso.reports.errors import ReportError
from congdanso.reports.models import Report, ReportEvent, ReportPhoto
from congdanso.testing.factories import make_staff, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return make_staff("bientap", "Ngô Thị Biên", [(Role.EDITOR, None)])


def test_queue_holds_new_and_flagged_reports_across_agencies(report, editor, officer):
    assert list(services.moderation_queue()) == [report]
    services.mark_reviewed(report, actor=editor)
    assert not services.moderation_queue().exists()
    services.flag_for_moderation(report, actor=officer, reason="Có số điện thoại")
    assert list(services.moderation_queue()) == [report]


def test_editor_edits_text_and_the_public_page_says_edited_with_the_reason(client, report, editor):
    c = staff_client(client, editor)
    response = c.post(reverse("reports_staff:moderate", args=[report.pk]),
                      {"action": "edit", "description": "Ổ gà lớn trước nhà số 12.", "reason": "Bỏ số điện thoại"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.description == "Ổ gà lớn trước nhà số 12." and report.reviewed_at is not None
    public = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert "Đã biên tập nội dung" in public and "Bỏ số điện thoại" in public and "Ban biên tập" in public


def test_an_edit_needs_a_reason_and_a_change(report, editor):
    with pytest.raises(ReportError):
        services.moderate_report(report, actor=editor, description="Khác", reason="")
    with pytest.raises(ReportError) as exc:
        services.moderate_report(report, actor=editor, description=report.description, reason="Không đổi")
    assert exc.value.code == "nothing_changed"
    assert not ReportEvent.objects.filter(report=report, kind="moderate").exists()


def test_editor_redacts_a_photo_publicly_with_the_reason(client, report, editor):
    photo = ReportPhoto.objects.get(report=report)
    c = staff_client(client, editor)
    c.post(reverse("reports_staff:photo", args=[photo.pk]),
           {"action": "redact", "boxes": "0,0,50,50", "reason": "Che biển số xe",
            "next": reverse("reports_staff:moderate", args=[report.pk])})
    photo.refresh_from_db()
    assert photo.redacted_at is not None
    event = ReportEvent.objects.get(report=report, kind="redact")
    assert event.is_public and event.message == "Che biển số xe"
    assert "Đã biên tập ảnh" in client.get(reverse("reports:detail", args=[report.code])).content.decode()


def test_redaction_without_reason_is_refused(report, editor):
    photo = ReportPhoto.objects.get(report=report)
    with pytest.raises(ReportError):
        services.redact_photo(photo, actor=editor, boxes=[(0, 0, .5, .5)], reason="")
    with pytest.raises(ReportError):
        services.hide_photo(photo, actor=editor, hidden=True, reason="")


def test_officers_cannot_open_the_queue_but_may_flag(client, report, officer, editor):
    assert staff_client(client, officer).get(reverse("reports_staff:moderation")).status_code == 404
    client.logout()
    page = staff_client(client, editor).get(reverse("reports_staff:moderation"))
    assert page.status_code == 200 and report.code in page.content.decode()


def test_every_editor_view_is_audited(client, report, editor):
    staff_client(client, editor).get(reverse("reports_staff:moderate", args=[report.pk]))
    assert AuditEntry.objects.filter(action="report.moderation_viewed", actor=editor).exists()
    assert Report.objects.get(pk=report.pk).reviewed_at is None  # looking is not reviewing
