"""The lifecycle: receive → assign → start → progress → resolve (proof) → confirm / dispute; reject, transfer,
merge; every move locked, checked, on the timeline, audited and announced through the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from congdanso.core.models import AuditEntry, OutboxMessage
from congdanso.reports import services, states
from congdanso.reports.errors import BadMove, NotAllowed, ReportError
from congdanso.reports.models import Follow, Report, ReportEvent
from congdanso.reports.states import Status
from congdanso.testing.factories import make_input, photo


def kinds(report):
    return list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True))


def test_happy_path_to_closed(report, officer, citizen):
    r = services.receive_report(report, actor=officer)
    assert r.status == Status.RECEIVED and r.received_at
    r = services.assign_report(r, assignee=officer, actor=officer)
    assert r.status == Status.ASSIGNED and r.assignee == officer
    r = services.start_report(r, actor=officer)
    assert r.status == Status.IN_PROGRESS
    r = services.post_progress(r, actor=officer, message="Đã khảo sát, chờ vật tư.")
    assert r.status == Status.IN_PROGRESS
    r = services.resolve_report(r, actor=officer, note="Đã vá ổ gà.", photos=[photo("sau.jpg")])
    assert r.status == Status.RESOLVED and r.resolution_note == "Đã vá ổ gà."
    assert r.photos.filter(kind="proof").count() == 1
    r = services.confirm_report(r, actor=citizen)
    assert r.status == Status.CLOSED and r.closed_at
    assert kinds(r) == ["submitted", "routed", "receive", "assign", "start", "progress", "resolve", "confirm"]
    actions = set(AuditEntry.objects.filter(object_id=str(r.pk)).values_list("action", flat=True))
    assert {"report.receive", "report.assign", "report.resolve", "report.confirm"} <= actions
    assert OutboxMessage.objects.filter(topic="reports.event").count() >= 7
    assert OutboxMessage.objects.filter(topic="reports.autoclose").count() == 1


def test_resolve_requires_proof_photo_and_note(report, officer):
    services.receive_report(report, actor=officer)
    with pytest.raises(ReportError) as caught:
        services.resolve_report(report, actor=officer, note="Xong", photos=[])
    assert caught.value.code == "proof_required"
    with pytest.raises(ReportError):
        services.resolve_report(report, actor=officer, note="  ", photos=[photo()])
    assert Report.objects.get(pk=report.pk).status == Status.RECEIVED


def test_officer_of_another_agency_cannot_act(report, other_officer):
    with pytest.raises(NotAllowed):
        services.receive_report(report, actor=other_officer)


def test_resident_cannot_act_as_staff(report, citizen):
    with pytest.raises(NotAllowed):
        services.receive_report(report, actor=citizen)


def test_wrong_move_is_refused(report, officer):
    with pytest.raises(BadMove) as caught:
        services.start_report(report, actor=officer)
    assert caught.value.status == 409
    services.reject_report(report, actor=officer, reason="Không thuộc thẩm quyền, đã hướng dẫn.")
    with pytest.raises(BadMove):
        services.receive_report(report, actor=officer)


def test_reject_needs_reason(report, officer):
    with pytest.raises(ReportError):
        services.reject_report(report, actor=officer, reason="")
    r = services.reject_report(report, actor=officer, reason="Trùng thông tin đã xử lý")
    assert r.status == Status.REJECTED and r.reject_reason


def test_dispute_reopens_to_same_agency(report, officer, citizen, department):
    services.receive_report(report, actor=officer)
    services.resolve_report(report, actor=officer, note="Đã vá", photos=[photo()])
    r = services.dispute_report(report, actor=citizen, reason="Vẫn còn ổ gà")
    assert r.status == Status.REOPENED and r.agency == department and r.reopen_count == 1
    assert r.resolve_due_at > timezone.now()
    event = ReportEvent.objects.filter(report=r, kind="dispute").get()
    assert event.message == "Vẫn còn ổ gà" and event.is_public
    r = services.receive_report(r, actor=officer)
    assert r.status == Status.RECEIVED


def test_only_reporter_confirms_within_window(report, officer, citizen, django_user_model, settings):
    services.receive_report(report, actor=officer)
    services.resolve_report(report, actor=officer, note="Đã vá", photos=[photo()])
    stranger = django_user_model.objects.create(username="oidc-x")
    with pytest.raises(NotAllowed):
        services.confirm_report(report, actor=stranger)
    Report.objects.filter(pk=report.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    with pytest.raises(ReportError) as caught:
        services.dispute_report(report, actor=citizen, reason="chưa")
    assert caught.value.code == "window_closed"
    closed = services.autoclose_report(report.pk)
    assert closed is not None and closed.status == Status.CLOSED


def test_autoclose_does_nothing_inside_window(report, officer):
    services.receive_report(report, actor=officer)
    services.resolve_report(report, actor=officer, note="Đã vá", photos=[photo()])
    assert services.autoclose_report(report.pk) is None
    assert Report.objects.get(pk=report.pk).status == Status.RESOLVED


def test_transfer_is_public_and_flags_after_three_bounces(report, officer, other_officer, department,
                                                         ward_committee):
    r = services.transfer_report(report, to_agency=ward_committee, reason="Vỉa hè thuộc phường", actor=officer)
    assert r.status == Status.TRANSFERRED and r.agency == ward_committee and r.transfer_count == 1
    event = ReportEvent.objects.filter(report=r, kind="transfer").get()
    assert event.is_public and event.message == "Vỉa hè thuộc phường"
    r = services.transfer_report(r, to_agency=department, reason="Mặt đường thuộc Sở", actor=other_officer)
    assert not r.flagged
    r = services.transfer_report(r, to_agency=ward_committee, reason="Lại của phường", actor=officer)
    assert r.transfer_count == 3 and r.flagged
    with pytest.raises(ReportError):
        services.transfer_report(r, to_agency=ward_committee, reason="x", actor=other_officer)


def test_merge_moves_followers_and_reporter_to_survivor(citizen, category, officer, django_user_model):
    bob = django_user_model.objects.create(username="oidc-bob")
    carol = django_user_model.objects.create(username="oidc-carol")
    survivor = services.submit_report(make_input(category), actor=citizen).report
    dup = services.submit_report(make_input(category, description="Ổ gà nữa"), actor=bob).report
    services.follow_report(dup, actor=carol, me_too=True)
    merged = services.merge_report(dup, into=survivor, actor=officer)
    assert merged.status == Status.DUPLICATE and merged.duplicate_of_id == survivor.pk
    followers = set(Follow.objects.filter(report=survivor).values_list("user_id", flat=True))
    assert followers == {bob.pk, carol.pk}
    survivor.refresh_from_db()
    assert survivor.follower_count == 2 and survivor.me_too_count == 2
    assert ReportEvent.objects.filter(report=survivor, kind="merged_in").exists()
    with pytest.raises(ReportError):
        services.merge_report(survivor, into=survivor, actor=officer)


def test_overdue_progress_needs_photo_and_committed_date(report, officer):
    services.receive_report(report, actor=officer)
    Report.objects.filter(pk=report.pk).update(resolve_due_at=timezone.now() - dt.timedelta(hours=1))
    assert Report.objects.get(pk=report.pk).is_overdue
    with pytest.raises(ReportError) as caught:
        services.post_progress(report, actor=officer, message="Đang làm")
    assert caught.value.code == "progress_photo_required"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = services.post_progress(report, actor=officer, message="Đang làm", photos=[photo()], committed_date=tomorrow)
    assert r.committed_date == tomorrow and r.photos.filter(kind="progress").count() == 1


def test_escalation_tells_agency_admin_once(report, officer, agency_admin):
    Report.objects.filter(pk=report.pk).update(resolve_due_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.escalate_overdue(report.pk)
    assert not services.escalate_overdue(report.pk)
    event = ReportEvent.objects.get(report=report, kind="escalate")
    assert event.data["admins"] == [agency_admin.pk] and not event.is_public
    message = OutboxMessage.objects.filter(topic="reports.event", payload__kind="escalate").get()
    assert message.payload["staff_recipients"] == [agency_admin.pk]


def test_follow_and_me_too_are_idempotent(report, django_user_model):
    bob = django_user_model.objects.create(username="oidc-bob")
    services.follow_report(report, actor=bob)
    services.follow_report(report, actor=bob)
    report.refresh_from_db()
    assert report.follower_count == 1 and report.me_too_count == 0
    services.follow_report(report, actor=bob, me_too=True)
    services.follow_report(report, actor=bob, me_too=True)
    report.refresh_from_db()
    assert report.follower_count == 1 and report.me_too_count == 1
    services.unfollow_report(report, actor=bob)
    report.refresh_from_db()
    assert report.follower_count == 0 and report.me_too_count == 0


def test_internal_note_never_public(report, officer):
    services.add_note(report, actor=officer, text="Gọi điện cho đội thi công")
    event = ReportEvent.objects.get(report=report, kind="note")
    assert not event.is_public
    assert not OutboxMessage.objects.filter(topic="reports.event", payload__kind="note").exists()


def test_lifecycle_table_is_consistent():
    for action, move in states.TRANSITIONS.items():
        assert move.sources, action
        assert move.target is None or move.target in Status.values
    assert states.open311_status(Status.RESOLVED) == "closed"
    assert states.open311_status(Status.REOPENED) == "open"
