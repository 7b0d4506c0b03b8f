"""The back-office desk counts the signed-in staff member's own work, with links into the report queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from congdanso.reports import services
from congdanso.reports.models import Report
from congdanso.testing.factories import make_input, staff_client


@pytest.mark.django_db
def test_officer_desk_counts_only_their_agency(client, citizen, officer, other_officer, category):
    services.submit_report(make_input(category), actor=citizen)
    late = services.submit_report(make_input(category, description="Đèn đường tắt cả tuần nay."), actor=citizen)
    Report.objects.filter(pk=late.report.pk).update(resolve_due_at=timezone.now() - dt.timedelta(days=1))

    response = staff_client(client, officer).get("/backoffice/")
    assert response.status_code == 200
    work = response.context["work"]
    assert work["open"] == 2 and work["overdue"] == 1 and work["triage"] == 0
    assert "/backoffice/phan-anh/?overdue=1" in response.content.decode()

    client.logout()
    other = staff_client(client, other_officer).get("/backoffice/")
    assert other.context["work"]["open"] == 0


@pytest.mark.django_db
def test_desk_needs_staff_with_second_factor(client, citizen):
    client.force_login(citizen)
    response = client.get("/backoffice/")
    assert response.status_code == 302 and response["Location"].startswith("/auth/staff/login")
