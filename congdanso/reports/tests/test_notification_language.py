"""A resident who chose English gets the report's notifications in English, through the real event handler."""

from __future__ import annotations

from congdanso.notifications.models import Notification
from congdanso.reports import services
from congdanso.reports.tests.test_events import run_outbox


def test_english_resident_gets_english_notifications(report, citizen, officer):
    citizen.preferred_language = "en"
    citizen.save(update_fields=["preferred_language"])
    services.receive_report(report, actor=officer)
    run_outbox("reports.event")
    told = Notification.objects.get(recipient=citizen)
    assert told.language == "en"
    assert told.title == f"Report {report.code}: Accepted"
    assert "is now “Accepted”" in told.body and "Phản ánh" not in told.body
