""""Việc của tôi": a resident's reports, followed reports and dossiers in one list, latest change first, with the
next step they can take; the same list in the API; nobody else's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from congdanso.core.fields import blind_index
from congdanso.dossiers import services as dossier_services
from congdanso.dossiers.models import Dossier
from congdanso.dossiers.states import EventKind
from congdanso.reports import services as report_services
from congdanso.reports.models import Report
from congdanso.testing.factories import make_category, make_citizen, make_input, make_procedure

pytestmark = pytest.mark.django_db
NUMBER = "079090001234"


@pytest.fixture
def lan(db: Any) -> Any:
    return make_citizen(username="oidc-lan2", subject="lan2", personal_id=NUMBER,
                        personal_id_index=blind_index(NUMBER))


@pytest.fixture
def world(lan: Any, citizen: Any, officer: Any, department: Any, ward: Any) -> dict[str, Any]:
    category = make_category("gt-o-ga", "Ổ gà", default_agency=department)
    own = report_services.submit_report(make_input(category, description="Ổ gà lớn trước nhà"), actor=lan).report
    other = report_services.submit_report(make_input(category, description="Đèn tắt cả dãy"),
                                          actor=citizen).report
    report_services.follow_report(other.pk, actor=lan)
    make_procedure()
    dossier = dossier_services.create_dossier(dossier_services.DossierInput(
        procedure_code="1.001193", agency_code=department.code, applicant_number=NUMBER), actor=officer)
    dossier_services.move_dossier(dossier.code, EventKind.REQUEST_SUPPLEMENT, actor=officer,
                                  message="Bổ sung giấy chứng sinh")
    stranger = dossier_services.create_dossier(dossier_services.DossierInput(
        procedure_code="1.001193", agency_code=department.code, applicant_number="079000009999"), actor=officer)
    Report.objects.filter(pk=own.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    return {"own": own, "other": other, "dossier": dossier, "stranger": stranger}


def test_one_list_latest_first_with_the_next_step(client: Client, lan: Any, world: dict[str, Any]) -> None:
    client.force_login(lan)
    page = client.get(reverse("web:cases"))
    body = page.content.decode()
    assert page.status_code == 200
    codes = [world["dossier"].code, world["other"].code, world["own"].code]
    positions = [body.index(code) for code in codes]
    assert positions == sorted(positions)  # the supplement request is the latest change
    assert "Bổ sung giấy tờ theo yêu cầu" in body
    assert world["stranger"].code not in body
    only = client.get(reverse("web:cases"), {"loai": "dossier"}).content.decode()
    assert world["dossier"].code in only and world["own"].code not in only


def test_the_api_gives_the_same_list(client: Client, lan: Any, world: dict[str, Any]) -> None:
    client.force_login(lan)
    answer = client.get(reverse("api-v1:my_cases")).json()
    assert [item["kind"] for item in answer["items"]] == ["dossier", "followed", "report"]
    assert answer["total"] == 3 and answer["items"][0]["next_step"]
    dossiers = client.get(reverse("api-v1:my_cases"), {"kind": "dossier"}).json()
    assert [i["code"] for i in dossiers["items"]] == [world["dossier"].code]


def test_signed_out_visitors_are_asked_to_sign_in(client: Client) -> None:
    assert client.get(reverse("web:cases")).status_code == 302
    assert client.get(reverse("api-v1:my_cases")).status_code == 401


def test_a_dossier_filed_before_the_account_joins_the_list_at_sign_in(client: Client, officer: Any,
                                                                      department: Any) -> None:
    make_procedure()
    filed = dossier_services.create_dossier(dossier_services.DossierInput(
        procedure_code="1.001193", agency_code=department.code, applicant_number="079099006789"), actor=officer)
    late = make_citizen(username="oidc-bao", subject="bao", personal_id="079099006789",
                        personal_id_index=blind_index("079099006789"))
    client.force_login(late)  # signs the user_logged_in signal, as the VNeID callback does
    assert Dossier.objects.get(pk=filed.pk).applicant_id == late.pk
    assert filed.code in client.get(reverse("web:cases")).content.decode()
