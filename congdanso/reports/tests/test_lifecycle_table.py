"""The lifecycle table (states.ACTIONS) is the one place that says, per event kind, its moves, whether it is
public and who is told; a transition saves only the columns it changed, without reading the report again; the
timeline names the agency that acted."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from congdanso.accounts.actors import is_staff_member
from congdanso.core.models import OutboxMessage
from congdanso.notifications.models import Notification
from congdanso.reports import events, services, states
from congdanso.reports.models import Report, ReportEvent
from congdanso.reports.states import Audience, EventKind


def test_every_event_kind_has_one_row():
    assert set(states.ACTIONS) == set(EventKind.values)
    assert {kind.value: kind.label for kind in EventKind} == states.EVENT_LABELS
    for kind, move in states.TRANSITIONS.items():
        assert move.sources and (move.target is None or move.target in states.Status.values), kind
    assert not states.is_public(EventKind.NOTE) and not states.is_public(EventKind.ESCALATE)
    assert states.audience("no-such-kind") == frozenset()
    assert states.audience(EventKind.ASSIGN) == {Audience.REPORTER, Audience.FOLLOWERS, Audience.ASSIGNEE}


def test_notifications_follow_the_table(report, citizen, officer, monkeypatch):
    """Take the reporter out of the table's audience for "receive": the reporter is no longer told."""
    services.receive_report(report, actor=officer)
    outbox = OutboxMessage.objects.filter(topic="reports.event", payload__kind="receive").get()
    receive = states.ACTIONS[EventKind.RECEIVE]
    monkeypatch.setitem(states.ACTIONS, EventKind.RECEIVE,
                        states.Move(receive.sources, receive.target, tells=frozenset({Audience.FOLLOWERS})))
    events.handle_event(outbox.payload)
    assert not Notification.objects.filter(recipient=citizen).exists()


def test_a_transition_writes_only_changed_columns_and_does_not_read_again(report, officer):
    with CaptureQueriesContext(connection) as queries:
        services.receive_report(report, actor=officer)
    table = Report._meta.db_table
    sql = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert len(updates) == 1
    columns = set(re.findall(r'"(\w+)" = ', updates[0].split(" WHERE ")[0]))
    assert columns == {"status", "received_at", "updated_at"}  # forwarded_at was already set at submission
    reads = [s for s in sql if s.startswith("SELECT")]
    assert len(reads) == 1  # the locked read only
    stored = Report.objects.get(pk=report.pk)
    assert stored.status == states.Status.RECEIVED and stored.description == report.description


def test_transfer_names_the_sending_agency(client, report, officer, department, ward_committee):
    services.transfer_report(report, to_agency=ward_committee, reason="Vỉa hè thuộc phường", actor=officer)
    event = ReportEvent.objects.get(report=report, kind="transfer")
    assert event.actor_label == department.name
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert f"{department.name}</" in page or f"— {department.name}" in page
    assert f"→ {ward_committee.name}" in page


def test_is_staff_member(citizen, officer, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert is_staff_member(officer)
    assert not is_staff_member(citizen) and not is_staff_member(AnonymousUser()) and not is_staff_member(None)
