"""Input no field may hold is refused with a 400 in the channel's shape before any view runs: NUL and control
characters, lone surrogates, invisible-only text, JSON too deep or too large, bodies that are not UTF-8."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.http import HttpResponse
from django.test import Client

from congdanso.agencies.models import Category
from congdanso.api.integrators import create_integrator
from congdanso.reports.models import Report
from congdanso.reports.tests.conftest import LAT, LON

PUSH = "/api/v1/push/subscriptions"
SUB = {"endpoint": "https://push.example.net/send/abc", "keys": {"p256dh": "x", "auth": "y"}}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def category(db, department) -> Category:
    return Category.objects.create(code="cs-den-khong-sang", group="Chiếu sáng", name="Đèn không sáng",
                                   default_agency=department)


@pytest.fixture
def resident(client, citizen) -> Client:
    client.force_login(citizen)
    return client


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 40_000 + "1" + "}" * 40_000,
    '{"keys": ' + "[" * 40 + "]" * 40 + "}",
], ids=["array-100000", "object-40000", "array-41"])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_deep_json_is_a_400_in_the_api_shape(resident, body, content_type):
    response = resident.post(PUSH, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep" and "JSON" in response.json()["message"]


def test_big_json_is_refused_before_parsing(resident, settings):
    settings.INPUT_MAX_JSON_BYTES = 1000
    response = resident.post(PUSH, json.dumps({**SUB, "pad": "x" * 2000}), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "json_too_large"


def test_only_registered_streamed_bodies_are_left_to_their_view(client, settings):
    """The bulk import (dossiers) reads its body line by line and checks every value itself: its NDJSON and CSV
    bodies are not read whole here; the same body elsewhere, or as JSON there, still is."""
    settings.INPUT_MAX_JSON_BYTES = 1000
    big = (json.dumps({"external_id": "x" * 900}) + "\n") * 3
    streamed = client.post("/api/v1/dossiers/import", big, content_type="application/x-ndjson")
    assert streamed.status_code == 401  # reached the endpoint (no system key)
    as_json = client.post("/api/v1/dossiers/import", big, content_type="application/json")
    assert as_json.status_code == 400 and as_json.json()["code"] == "json_too_large"
    elsewhere = client.post(PUSH, big, content_type="application/x-ndjson")
    assert elsewhere.status_code == 400 and elsewhere.json()["code"] == "json_too_large"


@pytest.mark.parametrize(("value", "code"), [
    ("\ud800", "text_surrogate"), ("a\udfffb", "text_surrogate"), ("nul\x00here", "text_nul"),
    ("bell\x07", "text_control"), ("c1\x85", "text_control"), ("\u200b\u200d\ufeff", "text_invisible"),
])
def test_bad_strings_in_json_are_refused(resident, value, code):
    body = json.dumps({**SUB, "endpoint": value})  # ensure_ascii: "\ud800" is sent as its escape
    response = resident.post(PUSH, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["field"] == "endpoint"
    key_response = resident.post(PUSH, json.dumps({**SUB, value: 1}), content_type="application/json")
    assert key_response.status_code == 400 and key_response.json()["code"] == code


def test_body_not_utf8_is_refused(resident):
    response = resident.post(PUSH, b'{"endpoint": "\xed\xa0\x80"}', content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "encoding"


@pytest.mark.parametrize("query", ["q=%00", "q=a%01b", "q=%E2%80%8B", "%00=1", "status=%C2%85"])
def test_bad_query_parameters_are_400_everywhere(client, db, query):
    api = client.get(f"/api/v1/reports?{query}")
    assert api.status_code == 400 and api.json()["code"].startswith("text_")
    page = client.get(f"/phan-anh/?{query}")
    assert page.status_code == 400 and "text/html" in page["Content-Type"]
    open311 = client.get(f"/open311/v2/requests.xml?{query}")
    assert open311.status_code == 400
    assert ET.fromstring(open311.content).find("error/code").text == "400"
    assert client.get(f"/open311/v2/requests.json?{query}").json()[0]["code"] == 400


def test_nul_in_the_path_is_400(client, db):
    assert client.get("/phan-anh/PA-2026-%00").status_code == 400
    assert client.get("/api/v1/reports/PA-%00").status_code == 400


def test_nul_in_a_header_is_400(client, db):
    assert client.get("/api/v1/reports", HTTP_IDEMPOTENCY_KEY="a\x00b").status_code == 400


def test_open311_post_with_nul_or_controls_is_refused_and_nothing_stored(client, category):
    key = create_integrator("Đối tác")[1]
    for description in ("Đèn hỏng\x00", "Đèn\x0bhỏng", "Đèn hỏng\x1b[31m", "\u2800\u3164"):
        response = client.post("/open311/v2/requests.xml", {
            "api_key": key, "service_code": category.code, "lat": LAT, "long": LON, "description": description})
        assert response.status_code == 400
        assert ET.fromstring(response.content).find("error/description").text
    assert not Report.objects.exists()


def test_html_form_with_surrogate_free_but_nul_field_is_a_400_page(client, citizen, category):
    client.force_login(citizen)
    response = client.post("/phan-anh/gui", {"category": category.code, "description": "Ổ gà\x00",
                                             "lat": LAT, "lon": LON})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert not Report.objects.exists()


def test_tab_and_newlines_pass(client, db):
    assert client.get("/api/v1/reports", {"q": "a\tb\r\nc"}).status_code == 200


def test_query_and_form_values_reach_views_in_nfc(rf, db):
    import unicodedata

    from congdanso.core.inputguard import InputGuardMiddleware

    seen = {}

    def view(request):
        seen["get"], seen["post"] = request.GET.copy(), request.POST.copy()
        return HttpResponse("ok")

    nfd = unicodedata.normalize("NFD", "Nguyễn Huệ")
    request = rf.post(f"/phan-anh/?q={nfd}", {"description": nfd, "password": nfd, nfd: "1"})
    assert InputGuardMiddleware(view)(request).status_code == 200
    nfc = unicodedata.normalize("NFC", nfd)
    assert seen["get"]["q"] == nfc and seen["post"]["description"] == nfc and seen["post"][nfc] == "1"
    assert seen["post"]["password"] == nfd  # a secret is compared byte for byte: never rewritten


def test_clean_field_types_for_forms_and_schemas():
    from django import forms
    from ninja import Schema
    from pydantic import ValidationError

    from congdanso.core.textinput import CleanCharField, CleanStr

    class Form(forms.Form):
        title = CleanCharField(max_length=20)

    form = Form({"title": "\u200b\u200b"})
    assert not form.is_valid() and "vô hình" in form.errors["title"][0]
    form = Form({"title": "  Ổ ga\u0300 \u200b"})
    assert form.is_valid() and form.cleaned_data["title"] == "Ổ gà"

    class In(Schema):
        name: CleanStr

    assert In(name=" a\u0300 ").name == "à"
    with pytest.raises(ValidationError):
        In(name="x\x00")


def test_a_content_length_that_is_not_a_number_is_400(resident):
    response = resident.generic("POST", PUSH, b"{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code == 400 and response.json()["code"] == "content_length"
