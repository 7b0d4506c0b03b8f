"""The one-stop-shop systems' API: credentials, idempotent dossiers and events, other agencies refused, illegal moves
named, bad input answered in the user's language, the applicant told."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from congdanso.dossiers import services
from congdanso.dossiers.models import Dossier, DossierEvent, IntegrationSystem
from congdanso.dossiers.states import Status
from congdanso.dossiers.tests.conftest import PERSONAL_ID
from congdanso.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(department: Any) -> str:
    _system, secret = services.create_integration_system("Một cửa Sở Xây dựng", [department.code], actor=None)
    return secret


def _post(client: Client, url: str, body: dict[str, Any], key: str) -> Any:
    return client.post(url, body, content_type="application/json", headers={"Authorization": f"Bearer {key}"})


def _dossier(agency: str, ref: str = "MC-0001", **extra: Any) -> dict[str, Any]:
    return {"external_id": ref, "procedure": "1.001193", "agency": agency,
            "applicant": {"name": "Nguyễn Thị Lan", "id_number": PERSONAL_ID}, **extra}


def test_only_the_hash_of_the_key_is_stored(key: str) -> None:
    system = IntegrationSystem.objects.get()
    assert key not in (system.key_hash, system.key_prefix) and key.startswith(system.key_prefix)
    assert services.authenticate_system(key) == system and services.authenticate_system(key + "x") is None


def test_a_system_records_a_dossier_once(client: Client, key: str, procedure: Any, department: Any,
                                         applicant: Any) -> None:
    url = reverse("api-v1:dossiers_create")
    first = _post(client, url, _dossier(department.code), key)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status_code"] == 2 and body["code"].startswith("SXD-") and "applicant" not in body
    again = _post(client, url, _dossier(department.code), key)
    assert again.status_code == 200 and again.json()["code"] == body["code"]
    assert Dossier.objects.count() == 1
    assert Dossier.objects.get().applicant_id == applicant.pk


def test_events_move_once_and_tell_the_applicant(client: Client, key: str, procedure: Any, department: Any,
                                                 applicant: Any) -> None:
    code = _post(client, reverse("api-v1:dossiers_create"), _dossier(department.code), key).json()["code"]
    url = reverse("api-v1:dossiers_event", args=[code])
    moved = _post(client, url, {"event_id": "e-1", "status": 4}, key)
    assert moved.status_code == 200 and moved.json() == {**moved.json(), "changed": True}
    assert moved.json()["dossier"]["status"] == Status.PROCESSING
    repeat = _post(client, url, {"event_id": "e-1", "status": 4}, key)
    assert repeat.status_code == 200 and repeat.json()["changed"] is False
    assert DossierEvent.objects.filter(external_id="e-1").count() == 1
    assert Notification.objects.filter(recipient=applicant, kind="dossier_status").exists()
    supplement = _post(client, url, {"event_id": "e-2", "status": "5", "message": "Thiếu giấy chứng sinh"}, key)
    assert supplement.json()["dossier"]["status_code"] == 5


def test_an_illegal_move_is_409_naming_the_allowed_ones(client: Client, key: str, procedure: Any,
                                                        department: Any) -> None:
    code = _post(client, reverse("api-v1:dossiers_create"), _dossier(department.code), key).json()["code"]
    answer = _post(client, reverse("api-v1:dossiers_event", args=[code]), {"event_id": "e-9", "status": 10}, key)
    assert answer.status_code == 409
    assert answer.json()["code"] == "dossier_bad_transition" and "processing" in answer.json()["allowed"]
    assert "Có thể chuyển sang" in answer.json()["message"]


def test_another_agencys_dossier_is_forbidden(client: Client, key: str, procedure: Any, ward_committee: Any,
                                              other_officer: Any) -> None:
    refused = _post(client, reverse("api-v1:dossiers_create"), _dossier(ward_committee.code), key)
    assert refused.status_code == 403 and not Dossier.objects.exists()
    theirs = services.create_dossier(services.DossierInput(procedure_code="1.001193",
                                                           agency_code=ward_committee.code), actor=other_officer)
    event = _post(client, reverse("api-v1:dossiers_event", args=[theirs.code]), {"event_id": "x", "status": 4}, key)
    assert event.status_code == 403
    read = client.get(reverse("api-v1:dossiers_detail", args=[theirs.code]), headers={"Authorization": f"Bearer {key}"})
    assert read.status_code == 403


def test_bad_input_is_a_clear_4xx(client: Client, key: str, procedure: Any, department: Any) -> None:
    url = reverse("api-v1:dossiers_create")
    unknown = _post(client, url, _dossier(department.code, procedure="9.999999"), key)
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_procedure"
    bad_code = _post(client, url, _dossier(department.code, ref="MC-2", code="not a code"), key)
    assert bad_code.status_code == 400 and "Mã hồ sơ" in bad_code.json()["message"]
    missing = _post(client, url, {"procedure": "1.001193"}, key)
    assert missing.status_code == 422
    control = _post(client, url, _dossier(department.code, ref="MC-3",
                                          applicant={"name": "Lan\x00"}), key)
    assert control.status_code in (400, 422)
    assert not Dossier.objects.exists()
    code = _post(client, url, _dossier(department.code), key).json()["code"]
    status = _post(client, reverse("api-v1:dossiers_event", args=[code]), {"event_id": "s", "status": 11}, key)
    assert status.status_code == 400 and status.json()["code"] == "unknown_status"
    nothing = _post(client, reverse("api-v1:dossiers_event", args=["SXD-260101-9999"]),
                    {"event_id": "n", "status": 4}, key)
    assert nothing.status_code == 404


def test_without_a_valid_key_nothing_is_done(client: Client, procedure: Any, department: Any) -> None:
    answer = _post(client, reverse("api-v1:dossiers_create"), _dossier(department.code), "cdsd_wrong")
    assert answer.status_code == 401 and not Dossier.objects.exists()


def test_the_command_registers_a_system(department: Any, capsys: Any) -> None:
    call_command("create_integration_system", "Một cửa SXD", "--agency", department.code)
    printed = capsys.readouterr().out
    assert "cdsd_" in printed and IntegrationSystem.objects.filter(name="Một cửa SXD").exists()


def test_a_repeated_event_id_answers_the_dossier_it_moved(client: Client, key: str, procedure: Any,
                                                          department: Any) -> None:
    """Whatever code the repeat names (another dossier, none at all): the first event's dossier, unchanged."""
    url = reverse("api-v1:dossiers_create")
    first = _post(client, url, _dossier(department.code), key).json()["code"]
    second = _post(client, url, _dossier(department.code, ref="MC-0002"), key).json()["code"]
    assert _post(client, reverse("api-v1:dossiers_event", args=[first]), {"event_id": "e-7", "status": 4},
                 key).json()["changed"] is True
    for code in (second, "SXD-260101-9999"):
        repeat = _post(client, reverse("api-v1:dossiers_event", args=[code]), {"event_id": "e-7", "status": 4}, key)
        assert repeat.status_code == 200 and repeat.json()["changed"] is False
        assert repeat.json()["dossier"]["code"] == first
    assert Dossier.objects.get(code=second).status == Status.ACCEPTED
