"""The dossier lifecycle: codes, the national statuses and their moves, the paused clock, overdue and the apology,
the applicant told in the same transaction, and a one-stop-shop system's events applied once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from congdanso.core.models import AuditEntry
from congdanso.dossiers import projections, queries, services, states
from congdanso.dossiers.errors import BadMove, DossierError, NotAllowed
from congdanso.dossiers.models import Dossier, DossierEvent, FeeStatus
from congdanso.dossiers.states import EventKind, Status
from congdanso.dossiers.tests.conftest import PERSONAL_ID, desk_dossier
from congdanso.lib.workdays import LOCAL_ZONE
from congdanso.notifications.models import Notification
from congdanso.procedures.models import Procedure

pytestmark = pytest.mark.django_db


def test_the_lifecycle_table_covers_the_ten_national_statuses() -> None:
    assert sorted(states.NATIONAL_CODE.values()) == list(range(1, 11))
    reachable = {move.target for move in states.ACTIONS.values() if move.target and move.target != states.RESUME}
    assert reachable == set(Status.values)
    assert states.status_from("4") == states.status_from(4) == Status.PROCESSING
    assert states.status_from("11") is None and states.status_from("nope") is None


def test_codes_count_per_agency_and_day(procedure: Any, officer: Any, department: Any) -> None:
    when = dt.datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL_ZONE)
    first = desk_dossier(officer, department, submitted_at=when)
    second = desk_dossier(officer, department, submitted_at=when)
    next_day = desk_dossier(officer, department, submitted_at=when + dt.timedelta(days=1))
    assert (first.code, second.code, next_day.code) == ("SXD-260310-0001", "SXD-260310-0002", "SXD-260311-0001")
    assert services.is_code(first.code) and not services.is_code("SXD-2603-1")
    assert services.is_code("UBND-26740-261129-0001") and services.is_code("000.00.01.H29-260310-0420")
    assert first.lookup_token != second.lookup_token and first.code not in first.lookup_token


def test_accepting_sets_the_due_date_from_the_procedures_working_days(procedure: Any, officer: Any,
                                                                      department: Any) -> None:
    monday = dt.datetime(2026, 3, 9, 10, 0, tzinfo=LOCAL_ZONE)
    dossier = desk_dossier(officer, department, submitted_at=monday)
    # 3 working days after Monday: Thursday, end of the working day
    assert dossier.due_at == dt.datetime(2026, 3, 12, 17, 0, tzinfo=LOCAL_ZONE)
    assert dossier.original_due_at == dossier.due_at


def test_a_move_writes_timeline_audit_and_tells_the_applicant(procedure: Any, officer: Any, department: Any,
                                                              applicant: Any) -> None:
    dossier = desk_dossier(officer, department)
    assert dossier.applicant_id == applicant.pk  # linked through the blind index of the ID number
    services.move_dossier(dossier.code, EventKind.PROCESS, actor=officer)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    kinds = list(DossierEvent.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert kinds == [EventKind.REGISTER, EventKind.PROCESS]
    assert AuditEntry.objects.filter(action="dossier.process", object_id=str(dossier.pk)).exists()
    notes = Notification.objects.filter(recipient=applicant, kind="dossier_status")
    assert notes.exists() and dossier.code in notes.first().title


def test_an_illegal_move_is_a_conflict_naming_the_allowed_moves(procedure: Any, officer: Any,
                                                                department: Any) -> None:
    dossier = desk_dossier(officer, department)
    with pytest.raises(BadMove) as caught:
        services.move_dossier(dossier.code, EventKind.RETURN, actor=officer)
    assert caught.value.status == 409
    assert set(caught.value.allowed) == {"process", "request_supplement", "request_fees", "stop", "finish"}
    assert "Đã trả kết quả" in str(caught.value.message) or "trả kết quả" in str(caught.value.message)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED


def test_a_reason_is_required_where_the_applicant_must_read_one(procedure: Any, officer: Any,
                                                                department: Any) -> None:
    dossier = desk_dossier(officer, department)
    with pytest.raises(DossierError) as caught:
        services.move_dossier(dossier.code, EventKind.REQUEST_SUPPLEMENT, actor=officer)
    assert caught.value.field == "message"
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1


def test_only_the_agencys_staff_move_a_dossier(procedure: Any, officer: Any, other_officer: Any, department: Any,
                                               citizen: Any, city_admin: Any) -> None:
    dossier = desk_dossier(officer, department)
    for outsider in (other_officer, citizen, None):
        with pytest.raises(NotAllowed):
            services.move_dossier(dossier.code, EventKind.PROCESS, actor=outsider)
    services.move_dossier(dossier.code, EventKind.PROCESS, actor=city_admin)


def test_waiting_for_a_supplement_does_not_count_toward_the_deadline(procedure: Any, officer: Any,
                                                                     department: Any, applicant: Any) -> None:
    dossier = desk_dossier(officer, department)
    services.move_dossier(dossier.code, EventKind.PROCESS, actor=officer)
    due = Dossier.objects.get(pk=dossier.pk).due_at
    services.move_dossier(dossier.code, EventKind.REQUEST_SUPPLEMENT, actor=officer, message="Thiếu giấy chứng sinh")
    Dossier.objects.filter(pk=dossier.pk).update(paused_since=timezone.now() - dt.timedelta(days=2))
    paused = Dossier.objects.get(pk=dossier.pk)
    assert not queries.is_overdue(paused, due + dt.timedelta(days=1))  # never overdue while it waits
    services.move_dossier(dossier.code, EventKind.SUPPLEMENT, actor=applicant)
    resumed = Dossier.objects.get(pk=dossier.pk)
    assert resumed.status == Status.PROCESSING  # back to where it was
    assert dt.timedelta(days=2) <= resumed.due_at - due < dt.timedelta(days=2, minutes=1)
    assert 2 * 86400 <= resumed.paused_seconds < 2 * 86400 + 60


def test_fees_pause_and_are_marked_paid(procedure: Any, officer: Any, department: Any) -> None:
    dossier = desk_dossier(officer, department)
    services.move_dossier(dossier.code, EventKind.REQUEST_FEES, actor=officer, message="Lệ phí 50.000 đ")
    assert Dossier.objects.get(pk=dossier.pk).fee_status == FeeStatus.DUE
    services.move_dossier(dossier.code, EventKind.PAY_FEES, actor=officer)
    paid = Dossier.objects.get(pk=dossier.pk)
    assert (paid.status, paid.fee_status) == (Status.ACCEPTED, FeeStatus.PAID)


def test_overdue_is_derived_and_the_apology_sets_a_new_date(procedure: Any, officer: Any, department: Any) -> None:
    dossier = desk_dossier(officer, department)
    with pytest.raises(DossierError) as early:
        services.apologise(dossier.code, actor=officer, message="Xin lỗi",
                           new_due=timezone.now() + dt.timedelta(days=3))
    assert early.value.status == 409
    late = timezone.now() - dt.timedelta(hours=1)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=late)
    assert queries.is_overdue(Dossier.objects.get(pk=dossier.pk))
    new_due = timezone.now() + dt.timedelta(days=3)
    services.apologise(dossier.code, actor=officer, message="Cơ quan xin lỗi vì chậm trễ.", new_due=new_due)
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == new_due and after.apology and not queries.is_overdue(after)
    assert projections.details(after)["apology"] == "Cơ quan xin lỗi vì chậm trễ."


def test_finishing_late_is_not_on_time(procedure: Any, officer: Any, department: Any) -> None:
    dossier = desk_dossier(officer, department)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    services.move_dossier(dossier.code, EventKind.FINISH, actor=officer)
    finished = services.return_result(dossier.code, actor=officer, result="Giấy khai sinh bản chính")
    assert finished.status == Status.RETURNED and finished.returned_at and finished.result
    assert queries.on_time(finished) is False and not queries.is_overdue(finished)


def test_the_public_projection_never_carries_the_applicant(procedure: Any, officer: Any, department: Any,
                                                           applicant: Any) -> None:
    dossier = desk_dossier(officer, department, applicant_phone="0909123456")
    text = repr(projections.details(dossier)) + repr(projections.public(dossier))
    for secret in ("Nguyễn Thị Lan", PERSONAL_ID, "0909123456", "applicant"):
        assert secret not in text
    assert projections.public(dossier)["status_code"] == 2


def test_a_system_event_applies_once(procedure: Any, officer: Any, department: Any, system: Any,
                                     applicant: Any) -> None:
    dossier = desk_dossier(officer, department)
    moved, changed = services.push_status(dossier.code, 4, system=system, event_id="ev-1")
    assert changed and moved.status == Status.PROCESSING
    again, changed_again = services.push_status(dossier.code, 4, system=system, event_id="ev-1")
    assert not changed_again and again.status == Status.PROCESSING
    assert DossierEvent.objects.filter(dossier=dossier, kind=EventKind.PROCESS).count() == 1
    assert Notification.objects.filter(recipient=applicant, kind="dossier_status").count() >= 1
    with pytest.raises(BadMove) as caught:
        services.push_status(dossier.code, "returned", system=system, event_id="ev-2")
    assert "done" in caught.value.allowed


def test_a_system_may_not_touch_another_agencys_dossier(procedure: Any, other_officer: Any, ward_committee: Any,
                                                        system: Any) -> None:
    dossier = desk_dossier(other_officer, ward_committee)
    with pytest.raises(NotAllowed):
        services.push_status(dossier.code, 4, system=system, event_id="ev-x")
    with pytest.raises(NotAllowed):
        services.push_status(dossier.code, 10, system=system, event_id="ev-y")  # 403 before 409
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED


def test_an_unknown_procedure_is_refused_and_nothing_is_stored(officer: Any, department: Any) -> None:
    with pytest.raises(DossierError) as caught:
        services.create_dossier(services.DossierInput(procedure_code="9.999999", agency_code=department.code),
                                actor=officer)
    assert caught.value.field == "procedure" and not Dossier.objects.exists()


def test_dossiers_filed_before_the_account_are_linked_at_sign_in(procedure: Any, officer: Any,
                                                                 department: Any) -> None:
    dossier = desk_dossier(officer, department)
    assert dossier.applicant_id is None
    from congdanso.core.fields import blind_index
    from congdanso.testing.factories import make_citizen

    later = make_citizen(username="oidc-late", subject="late", personal_id=PERSONAL_ID,
                         personal_id_index=blind_index(PERSONAL_ID))
    assert services.link_dossiers_of(later) == 1
    assert Dossier.objects.get(pk=dossier.pk).applicant_id == later.pk


@pytest.mark.parametrize(("deadline", "start", "due"), [
    (services.Deadline(working_days=Decimal("0.5")), dt.datetime(2026, 3, 9, 10), dt.date(2026, 3, 9)),
    (services.Deadline(working_days=Decimal("0.5")), dt.datetime(2026, 3, 14, 10), dt.date(2026, 3, 16)),  # Sat
    (services.Deadline(working_days=Decimal("5")), dt.datetime(2026, 3, 13, 10), dt.date(2026, 3, 20)),
    (services.Deadline(calendar_days=15), dt.datetime(2026, 3, 9, 10), dt.date(2026, 3, 24)),
])
def test_due_dates_count_working_or_calendar_days(deadline: Any, start: dt.datetime, due: dt.date) -> None:
    assert services.due_from(start.replace(tzinfo=LOCAL_ZONE), deadline) == dt.datetime.combine(
        due, dt.time(17, 0), tzinfo=LOCAL_ZONE)
    assert services.due_from(start.replace(tzinfo=LOCAL_ZONE), services.Deadline()) is None


def test_a_calendar_day_deadline_is_read_from_the_channel_text(officer: Any, department: Any) -> None:
    from congdanso.testing.factories import make_procedure

    make_procedure(code="1.009994", name="Cấp giấy phép xây dựng", channels=[
        {"kind": "in_person", "deadline": "15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ", "fees": "75.000 đồng"}],
        online_level="none", online_url="")
    procedure = Procedure.objects.get(code="1.009994")
    assert services.deadline_of(procedure, 1) == services.Deadline(calendar_days=15)
