"""The delivery-status page of a report's notifications follows the case page's rules: the report's agency, city
admins and the DPO only; the reporter named only on request and never when hidden without a DPO grant; followers
never named; every reveal audited."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from congdanso.accounts.models import User, UserKind
from congdanso.core.models import AuditEntry
from congdanso.notifications import services as notifications
from congdanso.reports import services
from congdanso.reports.models import Report
from congdanso.testing.factories import make_input, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def follower(db) -> User:
    return User.objects.create(username="oidc-binh", kind=UserKind.CITIZEN, full_name="Phan Văn Bình")


def notified(report: Report, *users: User) -> Report:
    with transaction.atomic():
        notifications.notify(users, "report_status", {"code": report.code, "status": "Đang xử lý",
                                                      "subject": "Ổ gà"}, obj=report)
    return report


def page(client, viewer: User, report: Report, identity: bool = False):
    url = reverse("notifications:staff_deliveries", args=["reports.report", report.pk])
    return staff_client(client, viewer).get(url + ("?identity=1" if identity else ""))


def test_only_the_reports_agency_city_admins_and_the_dpo_see_it(client, citizen, category, officer, other_officer,
                                                                   city_admin, dpo, follower) -> None:
    report = notified(services.submit_report(make_input(category), actor=citizen).report, citizen, follower,
                      officer)
    assert report.agency_id is not None and report.agency_id != other_officer.staff_roles.get().agency_id
    denied = page(client, other_officer, report)
    assert denied.status_code == 404 and "Nguyễn Thị Lan" not in denied.content.decode()
    for viewer in (officer, city_admin, dpo):
        client.logout()
        assert page(client, viewer, report).status_code == 200, viewer
    client.logout()
    for bad in ("abc", "999999"):
        url = reverse("notifications:staff_deliveries", args=["reports.report", bad])
        assert staff_client(client, city_admin).get(url).status_code == 404


def test_recipients_are_shown_by_role_and_the_reporter_named_only_on_request(client, citizen, category, officer,
                                                                             follower) -> None:
    report = notified(services.submit_report(make_input(category), actor=citizen).report, citizen, follower,
                      officer)
    html = page(client, officer, report).content.decode()
    assert "Người phản ánh" in html and "Người dân theo dõi phản ánh" in html and "Trần Văn Hùng" in html
    assert "Nguyễn Thị Lan" not in html and "Phan Văn Bình" not in html
    assert "Đã nhận, chưa đọc" in html
    assert not AuditEntry.objects.filter(action="report.identity_viewed").exists()
    named = page(client, officer, report, identity=True).content.decode()
    assert "Người phản ánh: Nguyễn Thị Lan" in named and "Phan Văn Bình" not in named
    assert AuditEntry.objects.filter(action="report.identity_viewed", actor=officer,
                                     object_id=str(report.pk)).count() == 1
    assert AuditEntry.objects.filter(action="notifications.deliveries_viewed", actor=officer).count() == 2


def test_a_hidden_reporter_needs_the_dpo_grant(client, citizen, category, officer, dpo) -> None:
    report = notified(services.submit_report(make_input(category, identity_hidden=True), actor=citizen).report,
                      citizen)
    assert report.identity_hidden
    html = page(client, officer, report, identity=True).content.decode()
    assert "Nguyễn Thị Lan" not in html and "Người phản ánh" in html
    services.grant_identity(report, grantee=officer, actor=dpo, reason="Cần liên hệ để xác minh hiện trường")
    assert "Người phản ánh: Nguyễn Thị Lan" in page(client, officer, report, identity=True).content.decode()
    assert AuditEntry.objects.filter(action="report.identity_viewed", actor=officer).count() == 1
