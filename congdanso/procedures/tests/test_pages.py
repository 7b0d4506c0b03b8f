"""The citizen pages: search and list, one procedure's printable page with its checklist, agencies with their
addresses and the online link only where the procedure is online."""

from __future__ import annotations

import pytest
from django.urls import reverse

from congdanso.testing.factories import make_procedure

pytestmark = pytest.mark.django_db


def test_search_page_finds_birth_registration_without_diacritics(client, catalogue):
    response = client.get(reverse("procedures:list"), {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    body = response.content.decode()
    first = body.index('class="procedure-name"')
    assert "Đăng ký khai sinh</a>" in body[first:first + 200]
    assert reverse("procedures:detail", args=["1.001193"]) in body


def test_list_without_search_shows_every_procedure_by_page(client, catalogue):
    response = client.get(reverse("procedures:list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="procedure-name"') == 20
    assert 'rel="next"' in response.content.decode()
    last = client.get(reverse("procedures:list"), {"page": 4})
    assert last.status_code == 200 and 'rel="prev"' in last.content.decode()


def test_filters_are_offered_and_applied(client, catalogue):
    response = client.get(reverse("procedures:list"), {"field": "cu-tru", "online": "any"})
    body = response.content.decode()
    assert 'value="cu-tru" selected' in body and "Đăng ký tạm trú" in body and "Đăng ký khai sinh</a>" not in body
    assert 'value="STP"' in body  # agencies with a code are in the agency menu


def test_a_bad_filter_is_a_400_with_the_reason(client):
    response = client.get(reverse("procedures:list"), {"level": "district"})
    assert response.status_code == 400
    assert "Cấp thực hiện phải là" in response.content.decode()


def test_detail_page_has_checklist_agencies_and_online_link(client, catalogue):
    response = client.get(reverse("procedures:detail", args=["1.001193"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="checklist"') == 2  # two cases
    assert 'type="checkbox" id="doc-1-1"' in body and "Tờ khai đăng ký khai sinh" in body
    assert "1 bản chính" in body and "Mẫu TK-KS" in body
    assert "Bộ phận Một cửa của Ủy ban nhân dân phường" in body  # the agency's address
    assert 'data-testid="submit-online"' in body and 'href="/ho-so/nop/1.001193"' in body  # this platform's form
    assert 'data-testid="submit-portal"' in body and 'href="https://dichvucong.gov.vn/' in body
    assert "procedures/procedures.css" in body and "procedures/procedures.js" in body  # print stylesheet, no inline
    assert "<style" not in body and "onclick" not in body


def test_no_online_link_where_the_procedure_is_not_online(client):
    make_procedure(code="1.000689", name="Đăng ký giám hộ", online_level="none", online_url="",
                   channels=[{"kind": "in_person", "deadline": "03 ngày làm việc"}])
    body = client.get(reverse("procedures:detail", args=["1.000689"])).content.decode()
    assert "Nộp trực tuyến" not in body and "submit-online" not in body


def test_unknown_or_inactive_procedure_is_a_404(client):
    procedure = make_procedure()
    assert client.get(reverse("procedures:detail", args=["9.999999"])).status_code == 404
    assert client.get("/thu-tuc/%3Cscript%3E").status_code == 404
    procedure.is_active = False
    procedure.save()
    assert client.get(reverse("procedures:detail", args=[procedure.code])).status_code == 404


def test_english_page_shows_english_names(client):
    make_procedure()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("procedures:detail", args=["1.001193"])).content.decode()
    assert "<h1>Birth registration</h1>" in body and "Documents to prepare" in body
    listing = client.get(reverse("procedures:list"), {"q": "khai sinh"}).content.decode()
    assert ">Birth registration</a>" in listing


def test_home_links_to_the_catalogue(client):
    body = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("procedures:list")}"' in body
