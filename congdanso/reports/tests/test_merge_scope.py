"""Merging checks the target like the source: the actor must be allowed to work on it, it must be visible to the
public and still open; otherwise nothing is written (no event, no follower moved, no outbox row)."""

from __future__ import annotations

import pytest

from congdanso.core.models import OutboxMessage
from congdanso.reports import services
from congdanso.reports.errors import NotAllowed, ReportError, ReportNotFound
from congdanso.reports.models import Follow, Report, ReportEvent
from congdanso.reports.states import Status
from congdanso.reports.tests.conftest import make_input


def _nothing_written(source: Report, target: Report, events_before: int, outbox_before: int) -> None:
    source.refresh_from_db()
    assert source.status == Status.SUBMITTED and source.duplicate_of_id is None
    assert not ReportEvent.objects.filter(report=target, kind="merged_in").exists()
    assert ReportEvent.objects.count() == events_before
    assert OutboxMessage.objects.count() == outbox_before
    assert not Follow.objects.filter(report=target).exists()


def test_officer_cannot_merge_into_another_agencys_report(citizen, category, ward_category, ward, ward_committee,
                                                         officer):
    mine = services.submit_report(make_input(category), actor=citizen).report
    theirs = services.submit_report(make_input(ward_category, ward=ward.code, lat=None, lon=None),
                                    actor=citizen).report
    assert mine.agency_id != theirs.agency_id
    events, outbox = ReportEvent.objects.count(), OutboxMessage.objects.count()
    with pytest.raises(NotAllowed):
        services.merge_report(mine, into=theirs, actor=officer)
    _nothing_written(mine, theirs, events, outbox)


def test_officer_cannot_merge_into_a_hidden_report(citizen, category, officer, django_user_model):
    bob = django_user_model.objects.create(username="oidc-bob")
    source = services.submit_report(make_input(category, description="Ổ gà nữa"), actor=bob).report
    target = services.submit_report(make_input(category), actor=citizen).report
    Report.objects.filter(pk=target.pk).update(is_hidden=True)
    events, outbox = ReportEvent.objects.count(), OutboxMessage.objects.count()
    with pytest.raises(ReportNotFound):
        services.merge_report(source, into=target, actor=officer)
    _nothing_written(source, target, events, outbox)


def test_merge_into_a_closed_report_is_refused(citizen, category, officer):
    source = services.submit_report(make_input(category, description="Ổ gà nữa"), actor=citizen).report
    target = services.submit_report(make_input(category), actor=citizen).report
    Report.objects.filter(pk=target.pk).update(status=Status.REJECTED)
    with pytest.raises(ReportError) as caught:
        services.merge_report(source, into=target, actor=officer)
    assert caught.value.code == "merge_target_closed"


def test_source_is_checked_before_the_target_is_revealed(citizen, category, ward_category, ward, other_officer):
    """An officer of another agency learns nothing about the target from a merge of a report they cannot act on."""
    source = services.submit_report(make_input(category), actor=citizen).report
    target = services.submit_report(make_input(category, description="Khác"), actor=citizen).report
    Report.objects.filter(pk=target.pk).update(is_hidden=True)
    with pytest.raises(NotAllowed):
        services.merge_report(source, into=target, actor=other_officer)


def test_city_admin_merges_across_agencies(citizen, category, ward_category, ward, ward_committee, city_admin):
    source = services.submit_report(make_input(category), actor=citizen).report
    target = services.submit_report(make_input(ward_category, ward=ward.code, lat=None, lon=None),
                                    actor=citizen).report
    merged = services.merge_report(source, into=target, actor=city_admin)
    assert merged.status == Status.DUPLICATE and merged.duplicate_of_id == target.pk
