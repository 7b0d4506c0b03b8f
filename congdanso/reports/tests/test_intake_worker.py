"""What the worker does per submitted report (issue 19), counted, not timed: a burst of submissions is one task and
one claim; the staff of the agency get one e-mail each, rendered once per event; what the event's handler wrote
runs in the same task without a second claim."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from congdanso.accounts.roles import Role
from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, OutboxStatus
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification
from congdanso.reports import services
from congdanso.reports.models import ReportEvent
from congdanso.testing.factories import drain, make_input, make_staff

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def staff(department: Any, officer: Any, agency_admin: Any) -> list[Any]:
    """Three staff of the department, each with an e-mail address."""
    third = make_staff("lan.sxd", "Lê Thị Lan", [(Role.AGENCY_OFFICER, department)])
    people = [officer, agency_admin, third]
    for person in people:
        person.email = f"{person.username}@sxd.example.vn"
        person.save(update_fields=["email"])
    return people


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The recipients of each MIME message Django renders in full (``EmailMessage.message``)."""
    seen: list[list[str]] = []
    original = EmailMessage.message

    def counting(self: EmailMessage) -> Any:
        seen.append(list(self.to))
        return original(self)

    monkeypatch.setattr(EmailMessage, "message", counting)
    return seen


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, TASKS_BACKEND="db")
def test_a_burst_of_submissions_is_one_task_whose_claim_takes_them_all(category: Any, citizen: Any,
                                                                         staff: list[Any]) -> None:
    for n in range(20):  # twenty requests, each its own transaction
        services.submit_report(make_input(category, description=f"Ổ gà số {n} trên đường Lê Lợi"), actor=citizen)
    tasks = list(DBTaskResult.objects.filter(task_path="congdanso.core.outbox.run_outbox_batch"))
    assert len(tasks) == 1
    DBTaskResult.objects.filter(pk=tasks[0].pk).update(status="RUNNING")  # a worker takes it
    with CaptureQueriesContext(connection) as queries:
        outbox.run_outbox_batch.call(*tasks[0].args_kwargs["args"])
    claims = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and """SET "status" = 'claimed'""" in q["sql"]]
    assert len(claims) == 1  # the events and, written claimed by this task, the deliveries they made
    assert not ReportEvent.objects.exclude(data__announced=True).filter(kind="submitted").exists()
    assert Notification.objects.filter(kind="work_new").count() == 20 * len(staff)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(mail.outbox) == 20 * len(staff)
    assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING, topic="reports.event").exists()
    assert DBTaskResult.objects.filter(status="READY").count() == 0  # no task for what this one did


@pytest.mark.django_db
def test_the_staff_email_of_an_event_is_rendered_once_for_all_of_the_agencys_staff(
    category: Any, citizen: Any, staff: list[Any], renders: list[list[str]]
) -> None:
    services.submit_report(make_input(category, description="Cột đèn đổ trên vỉa hè"), actor=citizen)
    services.submit_report(make_input(category, description="Nắp cống bị mất"), actor=citizen)
    drain()
    assert len(renders) == 2  # one per event, not one per recipient
    assert len(mail.outbox) == 2 * len(staff)
    by_subject: dict[str, list[Any]] = {}
    for email in mail.outbox:
        by_subject.setdefault(email.subject, []).append(email)
    assert len(by_subject) == 2
    for emails in by_subject.values():
        messages = [email.message() for email in emails]
        assert sorted(m["To"] for m in messages) == sorted(p.email for p in staff)
        assert len({m["Message-ID"] for m in messages}) == len(staff)  # each delivery keeps its own identity
        assert len({m["X-CDS-Notification"] for m in messages}) == len(staff)
        assert len({m.get_payload(decode=True) for m in messages}) == 1
        assert {str(m["Subject"]) for m in messages} == {messages[0]["Subject"]}
