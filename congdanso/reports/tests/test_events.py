"""Outbox handlers: every transition tells the reporter and followers (notifications inbox), new work reaches the
agency's staff, overdue reaches the agency admin, webhooks carry no identity; the map clusters get rebuilt."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, OutboxStatus
from congdanso.notifications.models import Notification, Webhook
from congdanso.reports import services
from congdanso.reports.models import MapCell, Report
from congdanso.testing.factories import photo


def run_outbox(topic: str | None = None) -> list[str]:
    rows = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    if topic:
        rows = rows.filter(topic=topic)
    OutboxMessage.objects.filter(pk__in=rows.values("pk")).update(available_at=timezone.now())
    return [outbox.run_message(pk) for pk in list(rows.values_list("pk", flat=True))]


def test_transition_notifies_reporter_followers_and_staff(report, citizen, officer, django_user_model):
    bob = django_user_model.objects.create(username="oidc-bob", full_name="Bob")
    services.follow_report(report, actor=bob)
    assert set(run_outbox("reports.event")) == {"done"}
    assert Notification.objects.filter(recipient=officer, kind="work_new").exists()  # routed to the department
    services.receive_report(report, actor=officer)
    services.resolve_report(report, actor=officer, note="Đã vá xong", photos=[photo()])
    run_outbox("reports.event")
    # routed, received, resolved within the group window: one notification, the latest text
    result = Notification.objects.get(recipient=citizen)
    assert result.kind == "report_result" and result.group_count == 3
    assert report.code in result.title and "Đã vá xong" in result.body
    # routed (handled after he followed), received, resolved
    assert Notification.objects.get(recipient=bob, kind="followed_update").group_count == 3
    assert not Notification.objects.filter(recipient=officer, kind="report_status").exists()


def test_handler_is_idempotent(report, citizen, officer):
    services.receive_report(report, actor=officer)
    message = OutboxMessage.objects.filter(topic="reports.event", payload__kind="receive").get()
    from congdanso.reports.events import handle_event

    handle_event(message.payload)
    handle_event(message.payload)
    assert Notification.objects.filter(recipient=citizen, kind="report_status").count() == 1


def test_webhook_payload_has_no_identity(report, citizen, officer):
    Webhook.objects.create(name="Báo chí", url="https://hook.example/r", secret="s3cret",
                           topics=["report.*"])
    services.receive_report(report, actor=officer)
    run_outbox("reports.event")
    hooks = OutboxMessage.objects.filter(topic="notifications.webhook")
    assert hooks.filter(payload__topic="report.status_changed").exists()
    for row in hooks:
        assert citizen.full_name not in str(row.payload) and "reporter" not in str(row.payload)


def test_deadline_row_escalates_to_agency_admin(report, agency_admin):
    Report.objects.filter(pk=report.pk).update(resolve_due_at=timezone.now() - dt.timedelta(minutes=1))
    run_outbox("reports.event")  # handling the submission schedules the deadline row
    assert "done" in run_outbox("reports.deadline")
    run_outbox("reports.event")
    assert Notification.objects.filter(recipient=agency_admin, kind="work_overdue").exists()


def test_autoclose_row_closes_after_window(report, officer, settings):
    services.receive_report(report, actor=officer)
    services.resolve_report(report, actor=officer, note="Đã vá", photos=[photo()])
    Report.objects.filter(pk=report.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))
    run_outbox("reports.autoclose")
    assert Report.objects.get(pk=report.pk).status == "closed"


def test_map_refresh_is_requested_and_rebuilds(report, settings):
    run_outbox("reports.event")
    assert OutboxMessage.objects.filter(topic="reports.map_refresh").count() == 1
    run_outbox("reports.map_refresh")
    assert MapCell.objects.filter(level=0).count() == 4  # the cell, plus its roll-ups (all categories, any state)
    assert MapCell.objects.get(level=0, category_id=0, state="all").count == 1


def test_status_is_told_in_each_recipients_language(report, citizen, officer, django_user_model):
    citizen.preferred_language = "en"
    citizen.save(update_fields=["preferred_language"])
    anh = django_user_model.objects.create(username="oidc-anh", full_name="Anh", preferred_language="vi")
    services.follow_report(report, actor=anh)
    run_outbox("reports.event")
    services.receive_report(report, actor=officer)
    run_outbox("reports.event")
    english = Notification.objects.filter(recipient=citizen, kind="report_status").latest("id")
    vietnamese = Notification.objects.filter(recipient=anh, kind="followed_update").latest("id")
    assert "Accepted" in english.title and "tiếp nhận" not in english.body + english.title
    assert "tiếp nhận" in vietnamese.body.lower() + vietnamese.title.lower()


def test_unroutable_report_past_forward_deadline_reaches_city_coordinators(citizen, orphan_category, city_admin):
    from congdanso.testing.factories import make_input

    report = services.submit_report(make_input(orphan_category), actor=citizen).report
    assert report.agency_id is None and report.forwarded_at is None
    Report.objects.filter(pk=report.pk).update(forward_due_at=timezone.now() - dt.timedelta(minutes=1))
    run_outbox("reports.event")  # handling the submission schedules the forward-deadline row
    assert run_outbox("reports.forward_deadline") == ["done"]
    run_outbox("reports.event")
    assert Notification.objects.filter(recipient=city_admin, kind="work_overdue").exists()
    assert not services.escalate_unforwarded(report.pk)  # once only


def test_routed_report_has_no_forward_deadline_row(report):
    run_outbox("reports.event")
    assert not OutboxMessage.objects.filter(topic="reports.forward_deadline").exists()


def test_each_event_emits_its_webhook_once_and_status_changed_only_when_the_status_changed(report, officer):
    Webhook.objects.create(name="Báo chí", url="https://hook.example/r", secret="s3cret", topics=["report.*"])
    run_outbox("reports.event")  # the submission: no earlier status, so no status change
    services.receive_report(report, actor=officer)
    services.start_report(report, actor=officer)
    services.post_progress(report, actor=officer, message="Đang thi công")  # in progress → in progress
    run_outbox("reports.event")
    topics = sorted(OutboxMessage.objects.filter(topic="notifications.webhook")
                    .values_list("payload__topic", flat=True))
    assert topics == sorted(["report.routed", "report.receive", "report.status_changed", "report.start",
                             "report.status_changed", "report.progress"])


def test_a_batch_of_events_is_announced_as_each_alone_would_be(category, citizen, officer, django_user_model):
    from congdanso.reports.events import handle_events
    from congdanso.reports.tests.conftest import make_input

    reports = [services.submit_report(make_input(category), actor=citizen).report for _ in range(3)]
    bob = django_user_model.objects.create(username="oidc-bob2", full_name="Bob")
    services.follow_report(reports[0], actor=bob)
    for report in reports:
        services.receive_report(report, actor=officer)
    payloads = list(OutboxMessage.objects.filter(topic="reports.event").order_by("pk").values_list("payload",
                                                                                                  flat=True))
    handle_events(payloads)
    handle_events(payloads)  # announced once only
    for report in reports:
        assert Notification.objects.filter(recipient=officer, kind="work_new", object_id=str(report.pk)).count() == 1
        # routed, received: handled together, both read the report as it is now (received): the same text, told once
        told = Notification.objects.get(recipient=citizen, kind="report_status", object_id=str(report.pk))
        assert told.group_count == 1 and "Đã tiếp nhận" in told.title
    assert Notification.objects.filter(recipient=bob, kind="followed_update").count() == 1
    # One outbox row carries all the batch's deliveries.
    assert OutboxMessage.objects.filter(topic="notifications.deliver").count() <= 1
