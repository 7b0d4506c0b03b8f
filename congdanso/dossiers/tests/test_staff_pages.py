"""The back office: the agency's list and a dossier's page, whose buttons are the moves its status allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from congdanso.core.models import AuditEntry
from congdanso.dossiers.models import Dossier
from congdanso.dossiers.states import Status
from congdanso.dossiers.tests.conftest import desk_dossier
from congdanso.testing.factories import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(procedure: Any, officer: Any, department: Any) -> Dossier:
    return desk_dossier(officer, department)


def test_the_list_shows_the_agencys_dossiers_only(dossier: Dossier, officer: Any, other_officer: Any,
                                                  ward_committee: Any) -> None:
    theirs = desk_dossier(other_officer, ward_committee)
    page = staff_client(Client(), officer).get(reverse("dossiers_staff:list"))
    body = page.content.decode()
    assert dossier.code in body and theirs.code not in body
    filtered = staff_client(Client(), officer).get(reverse("dossiers_staff:list"), {"status": "4"})
    assert dossier.code not in filtered.content.decode()


def test_the_page_offers_the_next_step_and_a_move_is_made(dossier: Dossier, officer: Any) -> None:
    client = staff_client(Client(), officer)
    page = client.get(reverse("dossiers_staff:detail", args=[dossier.code]))
    body = page.content.decode()
    assert 'data-testid="act-process"' in body and 'data-testid="act-return"' not in body
    assert AuditEntry.objects.filter(action="dossier.viewed", object_id=str(dossier.pk)).exists()
    client.post(reverse("dossiers_staff:act", args=[dossier.code, "process"]))
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING


def test_a_refused_move_says_why_and_changes_nothing(dossier: Dossier, officer: Any) -> None:
    client = staff_client(Client(), officer)
    answer = client.post(reverse("dossiers_staff:act", args=[dossier.code, "request_supplement"]), follow=True)
    assert "Hãy nhập nội dung" in answer.content.decode()
    answer = client.post(reverse("dossiers_staff:act", args=[dossier.code, "return"]), follow=True)
    assert "Các thao tác được phép" in answer.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED


def test_a_late_dossier_gets_an_apology_with_a_new_date(dossier: Dossier, officer: Any) -> None:
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client = staff_client(Client(), officer)
    assert 'data-testid="act-apologise"' in client.get(
        reverse("dossiers_staff:detail", args=[dossier.code])).content.decode()
    new_day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    client.post(reverse("dossiers_staff:act", args=[dossier.code, "apologise"]),
                {"message": "Xin lỗi vì hồ sơ chậm trễ do cần xác minh thêm.", "new_due": new_day})
    late = Dossier.objects.get(pk=dossier.pk)
    assert late.apology and timezone.localtime(late.due_at).date().isoformat() == new_day


def test_another_agencys_officer_cannot_see_or_move_it(dossier: Dossier, other_officer: Any) -> None:
    client = staff_client(Client(), other_officer)
    assert client.get(reverse("dossiers_staff:detail", args=[dossier.code])).status_code == 404
    assert client.post(reverse("dossiers_staff:act", args=[dossier.code, "process"])).status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED
