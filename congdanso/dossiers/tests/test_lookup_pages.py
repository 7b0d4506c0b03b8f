"""The public lookup by code and by the receipt's QR token, the applicant's page and the receipt."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from congdanso.dossiers import services
from congdanso.dossiers.states import EventKind
from congdanso.dossiers.tests.conftest import desk_dossier
from congdanso.testing.factories import staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts start at zero, in one window for the whole test (a fixed window can roll over mid-test)."""
    from congdanso.dossiers.services import lookup

    monkeypatch.setattr(lookup, "LOOKUP_WINDOW", 10**9)
    cache.clear()


@pytest.fixture
def dossier(procedure: Any, officer: Any, department: Any) -> Any:
    d = desk_dossier(officer, department, applicant_phone="0909123456")
    services.move_dossier(d.code, EventKind.REQUEST_SUPPLEMENT, actor=officer, message="Bổ sung giấy chứng sinh")
    return d


def test_anyone_sees_the_public_fields_by_code_and_no_timeline(client: Client, dossier: Any) -> None:
    page = client.get(reverse("dossiers:lookup"), {"ma": dossier.code})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Đăng ký khai sinh" in body and "Yêu cầu bổ sung giấy tờ" in body
    assert "Bổ sung giấy chứng sinh" not in body  # the timeline's messages need the second factor
    assert "Nguyễn Thị Lan" not in body and "0909123456" not in body


def test_the_last_four_digits_open_the_timeline_and_a_wrong_one_says_so(client: Client, dossier: Any) -> None:
    wrong = client.post(reverse("dossiers:lookup"), {"ma": dossier.code, "proof": "0000"})
    assert wrong.status_code == 400 and "4 số cuối không khớp" in wrong.content.decode()
    assert 'aria-invalid="true"' in wrong.content.decode()
    right = client.post(reverse("dossiers:lookup"), {"ma": dossier.code, "proof": "1234"})
    assert right.status_code == 200 and "Bổ sung giấy chứng sinh" in right.content.decode()


def test_wrong_digits_are_limited_per_dossier(client: Client, dossier: Any) -> None:
    for _ in range(services.PROOFS_PER_CODE):
        client.post(reverse("dossiers:lookup"), {"ma": dossier.code, "proof": "0000"})
    blocked = client.post(reverse("dossiers:lookup"), {"ma": dossier.code, "proof": "1234"})
    assert blocked.status_code == 429
    assert "Bổ sung giấy chứng sinh" not in blocked.content.decode()


def test_lookups_are_limited_per_client_whether_the_code_exists_or_not(client: Client, dossier: Any,
                                                                     settings: Any) -> None:
    settings.DOSSIER_LOOKUPS_PER_CLIENT = 7  # the limit is a setting (default 30)
    missing = dossier.code[:-4] + "9999"
    for index in range(7):
        answer = client.get(reverse("dossiers:lookup"), {"ma": missing if index % 2 else dossier.code})
        assert answer.status_code in (200, 404)
    assert client.get(reverse("dossiers:lookup"), {"ma": dossier.code}).status_code == 429


def test_a_malformed_code_is_a_clear_error(client: Client) -> None:
    page = client.get(reverse("dossiers:lookup"), {"ma": "hello world"})
    assert page.status_code == 400
    assert "Mã hồ sơ không đúng dạng" in page.content.decode()
    empty = client.get(reverse("dossiers:lookup"), {"ma": ""})
    assert empty.status_code == 400 and "Hãy nhập mã hồ sơ" in empty.content.decode()


def test_the_public_lookup_api_answers_the_public_fields_only(client: Client, dossier: Any,
                                                              applicant: Any) -> None:
    client.force_login(applicant)  # even the applicant gets the public view here (the timeline is in /me/cases)
    answer = client.get(reverse("api-v1:dossiers_lookup"), {"code": dossier.code})
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == dossier.code and body["status_code"] == 5 and body["procedure_name"]
    assert set(body) == {"code", "procedure", "procedure_name", "agency", "agency_name", "status", "status_code",
                         "status_name", "submitted_at", "accepted_at", "due_at", "finished_at", "returned_at",
                         "overdue", "on_time", "updated_at"}
    assert "Nguyễn Thị Lan" not in answer.content.decode() and "0909123456" not in answer.content.decode()


def test_the_public_lookup_api_refuses_bad_codes_and_counts_like_the_page(client: Client, dossier: Any,
                                                                        settings: Any) -> None:
    settings.DOSSIER_LOOKUPS_PER_CLIENT = 3  # a malformed code is refused before it is counted
    url = reverse("api-v1:dossiers_lookup")
    bad = client.get(url, {"code": "hello world"})
    assert bad.status_code == 400 and bad.json()["code"] and "Mã hồ sơ" in bad.json()["message"]
    assert client.get(url, {"code": dossier.code[:-4] + "9999"}).status_code == 404
    assert client.get(url, {"code": dossier.code}).status_code == 200
    assert client.get(reverse("dossiers:lookup"), {"ma": dossier.code}).status_code == 200  # the same count
    limited = client.get(url, {"code": dossier.code})
    assert limited.status_code == 429 and limited.json()["message"]
    assert client.get(url).status_code == 422  # no code at all


def test_the_qr_token_opens_the_same_public_view(client: Client, dossier: Any) -> None:
    page = client.get(reverse("dossiers:token", args=[dossier.lookup_token]))
    assert page.status_code == 200 and dossier.code in page.content.decode()
    assert client.get(reverse("dossiers:token", args=["not-a-token"])).status_code == 404


def test_the_applicant_sees_their_dossier_and_receipt(client: Client, dossier: Any, applicant: Any) -> None:
    dossier.refresh_from_db()
    services.link_dossiers_of(applicant)
    client.force_login(applicant)
    page = client.get(reverse("dossiers:detail", args=[dossier.code]))
    assert page.status_code == 200 and "Bổ sung giấy chứng sinh" in page.content.decode()
    receipt = client.get(reverse("dossiers:receipt", args=[dossier.code]))
    body = receipt.content.decode()
    assert receipt.status_code == 200 and "<svg" in body and dossier.lookup_token in body
    assert "Nguyễn Thị Lan" in body  # the applicant's own receipt names them


def test_other_people_do_not_see_someone_elses_dossier(client: Client, dossier: Any, citizen: Any,
                                                       other_officer: Any, officer: Any) -> None:
    client.force_login(citizen)
    assert client.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 404
    assert client.get(reverse("dossiers:receipt", args=[dossier.code])).status_code == 404
    other = staff_client(Client(), other_officer)
    assert other.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 404
    own = staff_client(Client(), officer)
    assert own.get(reverse("dossiers:receipt", args=[dossier.code])).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, dossier: Any) -> None:
    answer = client.get(reverse("dossiers:detail", args=[dossier.code]))
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_the_receipt_comes_as_a_pdf_with_vietnamese_text(client: Client, dossier: Any, applicant: Any) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    services.link_dossiers_of(applicant)
    client.force_login(applicant)
    answer = client.get(reverse("dossiers:receipt", args=[dossier.code]), {"pdf": "1"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(answer.content)).pages[0].extract_text()
    assert dossier.code in text and "Đăng ký khai sinh" in text and "Nguyễn Thị Lan" in text
