"""One parser for report input from the new-report page, the JSON API and Open311: coordinates, category questions,
text limits and the photo cap read from the setting on every path (never a silent drop)."""

from __future__ import annotations

import unicodedata
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from congdanso.api.integrators import create_integrator
from congdanso.reports.models import CategoryAttribute, Report
from congdanso.reports.tests.conftest import LAT, LON, jpeg_bytes, staff_client

API = "/api/v1/reports"
OPEN311 = "/open311/v2/requests.xml"


def files(n: int, field: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"anh-{i}.jpg", jpeg_bytes(color=(i * 20, 40, 40)), content_type="image/jpeg")
            for i in range(n)]


@pytest.fixture
def key(db):
    return create_integrator("Đối tác")[1]


def post_api(client, citizen, category, n_photos=0, **fields):
    client.force_login(citizen)
    body = {"category": category.code, "description": "Ổ gà lớn", "lat": LAT, "lon": LON, **fields}
    if n_photos:
        body["photos"] = files(n_photos, "photos")
    return client.post(API, body)


def post_page(client, citizen, category, n_photos=0, **fields):
    client.force_login(citizen)
    body = {"category": category.code, "description": "Ổ gà lớn", "lat": LAT, "lon": LON, **fields}
    if n_photos:
        body["photos"] = files(n_photos, "photos")
    return client.post(reverse("reports:new"), body, HTTP_ACCEPT="application/json")


def post_open311(client, key, category, n_photos=0, **fields):
    body = {"api_key": key, "service_code": category.code, "description": "Ổ gà lớn", "lat": LAT, "long": LON,
            **fields}
    if n_photos:
        body["media"] = files(n_photos, "media")
    return client.post(OPEN311, body)


def test_raised_photo_cap_keeps_every_photo_on_every_path(client, citizen, category, key, settings):
    settings.REPORTS_MAX_PHOTOS = 7
    settings.REPORTS_RATE_PER_USER_HOUR = settings.REPORTS_RATE_PER_IP_HOUR = 100
    assert post_api(client, citizen, category, 7).status_code == 201
    assert post_page(client, citizen, category, 7).status_code == 201
    assert post_open311(client, key, category, 7).status_code == 201
    assert [r.photos.count() for r in Report.objects.order_by("pk")] == [7, 7, 7]  # the API kept only 6 before


def test_one_photo_over_the_cap_is_an_error_on_every_path(client, citizen, category, key, settings):
    settings.REPORTS_MAX_PHOTOS = 7
    api = post_api(client, citizen, category, 8)
    assert api.status_code == 400 and api.json()["code"] == "too_many_photos" and "7" in api.json()["message"]
    page = post_page(client, citizen, category, 8)
    assert page.status_code == 400 and page.json()["code"] == "too_many_photos"
    open311 = post_open311(client, key, category, 8)
    assert open311.status_code == 400 and "7" in ET.fromstring(open311.content).find("error/description").text
    assert not Report.objects.exists()


@pytest.mark.parametrize(("lat", "lon"), [("nan", LON), (LAT, "inf"), ("-Infinity", LON), ("1e400", LON),
                                          ("91", LON), (LAT, "-180.5"), ("NaN", "NaN")])
def test_coordinates_out_of_range_or_not_finite_are_refused_everywhere(client, citizen, category, key, lat, lon):
    api = post_api(client, citizen, category, lat=lat, lon=lon)
    assert api.status_code == 400 and api.json()["code"] == "bad_coordinates"
    page = post_page(client, citizen, category, lat=lat, lon=lon)
    assert page.status_code == 400 and page.json()["code"] == "bad_coordinates"
    open311 = post_open311(client, key, category, lat=lat, long=lon)
    assert open311.status_code == 400
    assert not Report.objects.exists()


def test_text_is_normalised_and_over_long_text_refused_not_cut(client, citizen, category, key):
    nfd = unicodedata.normalize("NFD", "  Đường Nguyễn Huệ có ổ gà\u200b ")
    assert post_api(client, citizen, category, description=nfd).status_code == 201
    assert Report.objects.get().description == "Đường Nguyễn Huệ có ổ gà"
    long_address = post_api(client, citizen, category, address="x" * 301)
    assert long_address.status_code == 400 and long_address.json()["code"] == "text_too_long"
    assert long_address.json()["field"] == "address"
    o311 = post_open311(client, key, category, address_string="x" * 301)
    assert o311.status_code == 400 and "300" in ET.fromstring(o311.content).find("error/description").text
    assert post_open311(client, key, category, email="not-an-email").status_code == 400
    assert Report.objects.count() == 1


def test_category_questions_are_read_on_every_path(client, citizen, category, key):
    CategoryAttribute.objects.create(category=category, code="so-tru", description="Số trụ đèn", required=True)
    CategoryAttribute.objects.create(category=category, code="loai", description="Loại", datatype="multivaluelist",
                                     values=[{"key": "a", "name": "A"}, {"key": "b", "name": "B"}])
    missing = post_api(client, citizen, category)
    assert missing.status_code == 400 and missing.json()["code"] == "attribute_required"
    answers = {"attribute[so-tru]": " T-12 ", "attribute[loai]": ["a", "b"]}
    assert post_api(client, citizen, category, **answers).status_code == 201  # the API ignored answers before
    assert post_page(client, citizen, category, **answers).status_code == 201
    assert post_open311(client, key, category, **answers).status_code == 201
    assert [r.attributes for r in Report.objects.order_by("pk")] == [{"so-tru": "T-12", "loai": ["a", "b"]}] * 3


def test_staff_entry_with_bad_coordinates_is_a_form_error(client, officer, category):
    c = staff_client(client, officer)
    response = c.post(reverse("reports_staff:on_behalf"), {
        "channel": "hotline", "category": category.code, "description": "Gọi 1022", "lat": "nan", "lon": "106.7",
        "contact_name": "Ông Ba", "contact_phone": "0912345678"})
    assert response.status_code == 400 and not Report.objects.exists()


def test_an_idempotency_key_too_long_is_refused_not_cut(client, citizen, category, key):
    client.force_login(citizen)
    body = {"category": category.code, "description": "Ổ gà lớn", "lat": LAT, "lon": LON}
    first = client.post(API, body, HTTP_IDEMPOTENCY_KEY="k" * 70 + "1")
    assert first.status_code == 400 and first.json()["code"] == "bad_idempotency_key"
    o311 = client.post(OPEN311, {"api_key": key, "service_code": category.code, "description": "x", "lat": LAT,
                                 "long": LON}, HTTP_IDEMPOTENCY_KEY="k" * 70)
    assert o311.status_code == 400
    assert client.post(API, body, HTTP_IDEMPOTENCY_KEY="k" * 64).status_code == 201
    assert not Report.objects.exclude(idempotency_key__endswith=":" + "k" * 64).exists()


def test_the_new_report_page_shows_a_text_error_in_the_form(client, citizen, category):
    client.force_login(citizen)
    response = client.post(reverse("reports:new"), {"category": category.code, "description": "Ổ gà",
                                                    "lat": LAT, "lon": LON, "address": "x" * 301})
    page = response.content.decode()
    assert response.status_code == 400 and "300" in page and 'name="description"' in page
    assert not Report.objects.exists()
