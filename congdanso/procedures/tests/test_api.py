"""/api/v1/procedures: search with filters and pages, fields, one procedure's record; 400 for a bad filter and 404
for an unknown code, each with a message in the user's language; documented in the OpenAPI document."""

from __future__ import annotations

import pytest
from django.urls import reverse

from congdanso.testing.factories import make_procedure

pytestmark = pytest.mark.django_db


def test_search_ranks_and_pages(client, catalogue):
    response = client.get(reverse("api-v1:procedures_list"), {"q": "dang ki khai sin", "limit": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["items"][0]["code"] == "1.001193" and data["items"][0]["name_en"] == "Birth registration"
    assert len(data["items"]) == 3 and data["total"] >= 4 and data["pages"] >= 2 and data["page"] == 1
    assert set(data["items"][0]) == {"code", "name", "name_en", "level", "field", "field_name", "field_name_en",
                                     "online_level", "online_url", "working_days"}


def test_filters(client, catalogue):
    data = client.get(reverse("api-v1:procedures_list"), {"level": "province", "online": "full",
                                                          "limit": 50}).json()
    assert data["items"] and all(i["level"] == "province" and i["online_level"] == "full" for i in data["items"])
    fields = client.get(reverse("api-v1:procedures_fields")).json()
    assert {"code": "ho-tich", "name": "Hộ tịch", "name_en": "Civil status registration", "count": 13} in fields


@pytest.mark.parametrize("params", [{"level": "district"}, {"online": "x"}, {"field": "bad code!"},
                                    {"q": "a\x01b"}])
def test_bad_filters_are_400_with_a_message(client, params):
    response = client.get(reverse("api-v1:procedures_list"), params)
    assert response.status_code == 400
    # a control character is refused even earlier, by the input guard, with its own code
    assert response.json()["code"] in {"invalid_filter", "text_control"} and response.json()["message"]


def test_out_of_range_page_is_refused(client):
    assert client.get(reverse("api-v1:procedures_list"), {"page": 0}).status_code == 422
    assert client.get(reverse("api-v1:procedures_list"), {"limit": 500}).status_code == 422


def test_detail_carries_the_whole_record(client):
    make_procedure()
    data = client.get(reverse("api-v1:procedures_detail", args=["1.001193"])).json()
    assert data["steps"][0] == {"number": 1, "text": "Nộp hồ sơ tại Bộ phận Một cửa."}
    assert data["channels"][0]["kind"] == "in_person" and data["channels"][0]["working_days"] == 3
    assert data["cases"][0]["documents"][0]["template_name"] == "Mẫu TK-KS"
    assert data["agencies"][0]["address"] == "45-47 Lê Duẩn, Phường Sài Gòn"
    assert data["legal_bases"][0]["issued_on"] == "2014-11-20" and data["keywords"] == ["khai sinh"]


def test_unknown_code_is_a_404_in_the_users_language(client):
    url = reverse("api-v1:procedures_detail", args=["9.999999"])
    vi = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert vi.status_code == 404
    assert vi.json() == {"code": "procedure_not_found", "message": "Không tìm thấy thủ tục hành chính với mã này."}
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 404 and en.json()["message"] == "No administrative procedure has this code."


def test_openapi_documents_the_catalogue(client):
    paths = client.get(reverse("api-v1:openapi-json")).json()["paths"]
    assert {"/api/v1/procedures", "/api/v1/procedures/fields", "/api/v1/procedures/{code}"} <= set(paths)
