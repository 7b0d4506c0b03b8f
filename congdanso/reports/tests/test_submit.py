"""Submitting a report: validation, routing, SLA due times, tracking code, idempotency, rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from congdanso.core import audit
from congdanso.core.models import AuditEntry, OutboxMessage
from congdanso.lib.workdays import add_working_time
from congdanso.reports import services
from congdanso.reports.errors import IdempotencyConflict, PhotoRejected, RateLimited, ReportError
from congdanso.reports.models import CategoryAttribute, Report, ReportEvent, ReportPhoto
from congdanso.reports.states import Status
from congdanso.testing.factories import LAT, LON, make_input, photo


def stored_files() -> list[str]:
    root = default_storage.path("")
    import os

    return [os.path.join(d, f) for d, _s, files in os.walk(root) for f in files]


def test_submit_routes_to_default_agency_with_code_and_due_times(citizen, category, department):
    before = timezone.now()
    result = services.submit_report(make_input(category, photos=[photo()]), actor=citizen)
    report = result.report
    assert result.created
    assert report.code == f"PA-{timezone.localtime(report.created_at).year}-{report.pk:06d}"
    assert report.status == Status.SUBMITTED
    assert report.agency == department
    assert report.forwarded_at is not None
    assert report.forward_due_at - report.created_at == dt.timedelta(minutes=5)
    expected = add_working_time(timezone.localtime(report.created_at), 5)
    assert report.resolve_due_at == expected
    assert report.resolve_due_at > before + dt.timedelta(days=5)
    assert not report.is_overdue
    kinds = list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True))
    assert kinds == ["submitted", "routed"]
    assert AuditEntry.objects.filter(action="report.submitted", object_id=str(report.pk)).exists()
    # The deadline row is written in the submission's own transaction, delayed and not hinted.
    assert sorted(OutboxMessage.objects.values_list("topic", flat=True)) == ["reports.deadline", "reports.event"]
    deadline = OutboxMessage.objects.get(topic="reports.deadline")
    assert deadline.available_at >= report.resolve_due_at and deadline.enqueued_at is None
    assert ReportPhoto.objects.filter(report=report).count() == 1


def test_every_row_of_a_submission_is_written_through_model_save(citizen, category):
    """Signals and save() overrides see every row: the report (inserted, then given its code), its two history
    rows, the audit entry and the outbox rows."""
    from django.db.models.signals import post_save

    saved: list[tuple[str, bool]] = []

    def receiver(sender: type, instance: object, created: bool, **kwargs: object) -> None:
        saved.append((sender.__name__, created))

    post_save.connect(receiver)
    try:
        report = services.submit_report(make_input(category), actor=citizen).report
    finally:
        post_save.disconnect(receiver)
    assert saved.count(("Report", True)) == 1 and saved.count(("Report", False)) == 1
    assert saved.count(("ReportEvent", True)) == 2
    assert ("AuditEntry", True) in saved
    assert saved.count(("OutboxMessage", True)) == 2  # the announcement and the deadline
    assert Report.objects.get(pk=report.pk).code == services.tracking_code(report)


def test_ward_category_goes_to_ward_committee(citizen, ward_category, ward, ward_committee):
    report = services.submit_report(make_input(ward_category, lat=None, lon=None, ward=ward.code,
                                               address="12 Lê Lợi"), actor=citizen).report
    assert report.ward == ward and report.ward_source == "chosen"
    assert report.agency == ward_committee


def test_unroutable_report_waits_in_triage(citizen, orphan_category, city_admin, department):
    report = services.submit_report(make_input(orphan_category), actor=citizen).report
    assert report.agency is None
    assert list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True)) == ["submitted", "triage"]
    routed = services.forward_report(report, agency=department, actor=city_admin)
    assert routed.agency == department and routed.status == Status.SUBMITTED
    assert routed.forwarded_at is not None


@pytest.mark.parametrize(("overrides", "code"), [
    ({"lat": 21.03, "lon": 105.85}, "outside_city"),  # Hà Nội
    ({"category": "khong-co"}, "unknown_category"),
    ({"description": "   "}, "description_required"),
    ({"description": "x" * 4001}, "description_too_long"),
    ({"lat": None, "lon": None}, "location_required"),
    ({"lat": 10.7, "lon": None}, "location_required"),
    ({"ward": "99999"}, "unknown_ward"),
])
def test_bad_input_is_refused_and_nothing_is_stored(citizen, category, overrides, code):
    data = make_input(category, photos=[photo()])
    for key, value in overrides.items():
        setattr(data, key, value)
    with pytest.raises(ReportError) as caught:
        services.submit_report(data, actor=citizen)
    assert caught.value.code == code
    assert caught.value.status == 400
    assert Report.objects.count() == 0
    assert stored_files() == []


def test_required_attribute(citizen, category):
    CategoryAttribute.objects.create(category=category, code="so-tru", description="Số trụ đèn", required=True)
    with pytest.raises(ReportError) as caught:
        services.submit_report(make_input(category), actor=citizen)
    assert caught.value.code == "attribute_required"
    report = services.submit_report(make_input(category, attributes={"so-tru": "A12"}), actor=citizen).report
    assert report.attributes == {"so-tru": "A12"}


def test_more_than_five_photos_refused(citizen, category):
    with pytest.raises(ReportError) as caught:
        services.submit_report(make_input(category, photos=[photo() for _ in range(6)]), actor=citizen)
    assert caught.value.code == "too_many_photos"


def test_corrupt_photo_refused_whole_report(citizen, category):
    data = make_input(category, photos=[photo(), services.Upload("x.jpg", b"\xff\xd8\xff not really")])
    with pytest.raises(PhotoRejected):
        services.submit_report(data, actor=citizen)
    assert Report.objects.count() == 0 and stored_files() == []


def test_failure_after_files_written_leaves_no_orphan(citizen, category, monkeypatch):
    """The transaction fails after photos were stored: they are deleted with the rollback."""
    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        services.submit_report(make_input(category, photos=[photo(), photo()]), actor=citizen)
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert stored_files() == []


def test_same_idempotency_key_returns_the_same_report(citizen, category):
    first = services.submit_report(make_input(category, photos=[photo()]), actor=citizen, idempotency_key="k-1")
    again = services.submit_report(make_input(category, photos=[photo()]), actor=citizen, idempotency_key="k-1")
    assert first.created and not again.created
    assert again.report.pk == first.report.pk
    assert Report.objects.count() == 1
    assert ReportPhoto.objects.count() == 1


def test_a_replay_stores_no_second_photo_file(citizen, category):
    services.submit_report(make_input(category, photos=[photo()]), actor=citizen, idempotency_key="k-files")
    files = stored_files()
    services.submit_report(make_input(category, photos=[photo()]), actor=citizen, idempotency_key="k-files")
    assert stored_files() == files


def test_replays_are_not_counted_against_the_rate_limit_nor_refused_by_it(citizen, category, settings):
    settings.REPORTS_RATE_PER_USER_HOUR = 2
    first = services.submit_report(make_input(category), actor=citizen, idempotency_key="k-r1")
    for _ in range(3):  # an offline draft sent again and again: always the first report, never counted
        assert services.submit_report(make_input(category), actor=citizen, idempotency_key="k-r1").report == \
            first.report
    services.submit_report(make_input(category, description="Thứ hai"), actor=citizen, idempotency_key="k-r2")
    with pytest.raises(RateLimited):  # the limit is reached by new reports only
        services.submit_report(make_input(category, description="Thứ ba"), actor=citizen, idempotency_key="k-r3")
    # At the limit, a replay still gets its report, and a different body under a used key is still a conflict.
    again = services.submit_report(make_input(category, description="Thứ hai"), actor=citizen,
                                   idempotency_key="k-r2")
    assert not again.created
    with pytest.raises(IdempotencyConflict):
        services.submit_report(make_input(category, description="Khác"), actor=citizen, idempotency_key="k-r2")
    assert Report.objects.count() == 2


def test_same_key_different_body_is_a_conflict(citizen, category):
    services.submit_report(make_input(category), actor=citizen, idempotency_key="k-2")
    with pytest.raises(IdempotencyConflict) as caught:
        services.submit_report(make_input(category, description="Khác hẳn"), actor=citizen, idempotency_key="k-2")
    assert caught.value.status == 409
    assert Report.objects.count() == 1


def test_keys_are_per_resident(citizen, category, django_user_model):
    other = django_user_model.objects.create(username="oidc-binh", full_name="Binh")
    services.submit_report(make_input(category), actor=citizen, idempotency_key="same")
    services.submit_report(make_input(category, description="Của người khác"), actor=other,
                           idempotency_key="same")
    assert Report.objects.count() == 2


def test_rate_limit_per_resident_and_ip(citizen, category, settings):
    settings.REPORTS_RATE_PER_USER_HOUR = 2
    for _ in range(2):
        services.submit_report(make_input(category), actor=citizen, ip="203.0.113.5")
    with pytest.raises(RateLimited) as caught:
        services.submit_report(make_input(category), actor=citizen, ip="203.0.113.5")
    assert caught.value.status == 429
    settings.REPORTS_RATE_PER_USER_HOUR = 100
    settings.REPORTS_RATE_PER_IP_HOUR = 3
    services.submit_report(make_input(category), actor=citizen, ip="203.0.113.5")
    with pytest.raises(RateLimited):
        services.submit_report(make_input(category), actor=citizen, ip="203.0.113.5")


def test_hotline_report_on_behalf_of_caller(officer, category):
    data = make_input(category, channel="hotline", contact_name="Bà Tư", contact_phone="0909123456")
    report = services.submit_report(data, actor=officer, on_behalf=True).report
    assert report.channel == "hotline" and report.reporter is None and report.created_by == officer
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM reports_report WHERE id = %s", [report.pk])
        raw = cursor.fetchone()[0]
    assert "0909123456" not in raw  # encrypted at rest
    assert Report.objects.get(pk=report.pk).contact_phone == "0909123456"


def test_urgent_priority_has_a_short_deadline(citizen, category):
    report = services.submit_report(make_input(category, priority="urgent"), actor=citizen).report
    assert report.resolve_due_at - report.created_at == dt.timedelta(hours=24)


def test_location_point_must_be_in_city_box(citizen, category):
    report = services.submit_report(make_input(category, lat=LAT, lon=LON), actor=citizen).report
    assert report.lat == LAT
