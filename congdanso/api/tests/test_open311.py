"""Open311 GeoReport v2: discovery, services, service definitions, POST requests with api_key (urlencoded and
multipart media), tokens, GET requests with spec filters and extensions, XML and JSON, spec error bodies."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from congdanso.agencies.models import Category
from congdanso.api.integrators import create_integrator
from congdanso.api.models import Integrator
from congdanso.reports import services
from congdanso.reports.models import CategoryAttribute, Report
from congdanso.testing.factories import LAT, LON, jpeg_bytes, make_input, photo

BASE = "/open311/v2"


@pytest.fixture
def category(db, department):
    return Category.objects.create(code="cs-den-khong-sang", group="Chiếu sáng", name="Đèn không sáng",
                                   default_agency=department)


@pytest.fixture
def key(db):
    return create_integrator("Ứng dụng đối tác")[1]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_create_integrator_prints_key_and_stores_only_hash(db):
    out = StringIO()
    call_command("create_integrator", "Báo Tuổi Trẻ", stdout=out)
    printed = out.getvalue().strip()
    integrator = Integrator.objects.get(name="Báo Tuổi Trẻ")
    assert printed.startswith("cds_") and printed not in integrator.key_hash


def test_discovery_xml_and_json(client, db):
    xml = client.get(f"{BASE}/discovery.xml")
    assert xml.status_code == 200 and xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/url").text.endswith("/open311/v2/")
    assert client.get(f"{BASE}/discovery.json").json()["endpoints"][0]["formats"] == ["text/xml",
                                                                                     "application/json"]


def test_services_and_definition(client, category):
    CategoryAttribute.objects.create(category=category, code="so-tru", description="Số hiệu trụ đèn",
                                     required=True, datatype="string", order=1)
    services_json = client.get(f"{BASE}/services.json").json()
    assert services_json[0]["service_code"] == category.code and services_json[0]["metadata"] is True
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and root.find("service/service_code").text == category.code
    definition = client.get(f"{BASE}/services/{category.code}.json").json()
    assert definition["attributes"][0]["code"] == "so-tru" and definition["attributes"][0]["required"] is True
    xml = ET.fromstring(client.get(f"{BASE}/services/{category.code}.xml").content)
    assert xml.find("attributes/attribute/code").text == "so-tru"
    missing = client.get(f"{BASE}/services/khong-co.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_post_request_and_token(client, category, key):
    response = client.post(f"{BASE}/requests.json", {
        "api_key": key, "service_code": category.code, "lat": LAT, "long": LON,
        "description": "Đèn tắt", "first_name": "Văn", "last_name": "A", "phone": "0909000111"})
    assert response.status_code == 201, response.content
    body = response.json()[0]
    report = Report.objects.get(code=body["service_request_id"])
    assert report.channel == "open311" and report.source_label == "Ứng dụng đối tác"
    assert report.contact_name == "Văn A"
    token = client.get(f"{BASE}/tokens/{body['token']}.json").json()
    assert token[0]["service_request_id"] == report.code


def test_post_multipart_media_and_xml(client, category, key):
    media = SimpleUploadedFile("den.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(f"{BASE}/requests.xml", {"api_key": key, "service_code": category.code, "lat": LAT,
                                                    "long": LON, "description": "Có ảnh", "media": media})
    assert response.status_code == 201
    code = ET.fromstring(response.content).find("request/service_request_id").text
    assert Report.objects.get(code=code).photos.count() == 1
    detail = ET.fromstring(client.get(f"{BASE}/requests/{code}.xml").content)
    assert detail.find("request/media_url").text.startswith("http")


@pytest.mark.parametrize(("data", "status"), [
    ({"api_key": "wrong"}, 403),
    ({}, 403),
    ({"service_code": ""}, 400),
    ({"service_code": "khong-co"}, 404),
    ({"lat": "abc"}, 400),
    ({"lat": "21.03", "long": "105.85"}, 400),  # outside the city
    ({"description": "x" * 4001}, 400),
])
def test_post_errors_have_spec_bodies(client, category, key, data, status):
    payload = {"api_key": key, "service_code": category.code, "lat": LAT, "long": LON, "description": "d"}
    payload.update(data)
    if data == {}:
        payload.pop("api_key")
    response = client.post(f"{BASE}/requests.json", payload)
    assert response.status_code == status
    assert response.json()[0]["code"] == status and response.json()[0]["description"]
    xml = client.post(f"{BASE}/requests.xml", payload)
    assert ET.fromstring(xml.content).find("error/code").text == str(status)
    assert Report.objects.count() == 0


def test_required_attribute_over_open311(client, category, key):
    CategoryAttribute.objects.create(category=category, code="so-tru", description="Số hiệu trụ đèn",
                                     required=True)
    payload = {"api_key": key, "service_code": category.code, "lat": LAT, "long": LON, "description": "d"}
    assert client.post(f"{BASE}/requests.json", payload).status_code == 400
    payload["attribute[so-tru]"] = "T-12"
    assert client.post(f"{BASE}/requests.json", payload).status_code == 201
    assert Report.objects.get().attributes == {"so-tru": "T-12"}


def test_get_requests_filters_and_notes(client, citizen, category, officer):
    a = services.submit_report(make_input(category), actor=citizen).report
    b = services.submit_report(make_input(category, description="Thứ hai", lat=LAT + 0.1), actor=citizen).report
    services.receive_report(b, actor=officer)
    services.resolve_report(b, actor=officer, note="Đã thay bóng", photos=[photo()])
    everything = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in everything} == {a.code, b.code}
    assert "reporter" not in str(everything) and citizen.full_name not in str(everything)
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [b.code] and closed[0]["status_notes"] == "Đã thay bóng"
    assert len(client.get(f"{BASE}/requests.json", {"service_request_id": f"{a.code},{b.code}"}).json()) == 2
    boxed = client.get(f"{BASE}/requests.json", {"bbox": f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"})
    assert [r["service_request_id"] for r in boxed.json()] == [a.code]
    paged = client.get(f"{BASE}/requests.json", {"page": 2, "page_size": 1}).json()
    assert len(paged) == 1
    ext = client.get(f"{BASE}/requests/{b.code}.json", {"extensions": "true"}).json()[0]
    notes = ext["extended_attributes"]["notes"]
    assert ext["extended_attributes"]["detailed_status"] == "resolved"
    assert [n["type"] for n in notes][-1] == "resolve"
    xml = ET.fromstring(client.get(f"{BASE}/requests.xml", {"extensions": "true"}).content)
    assert xml.find("request/extended_attributes/notes/note/type") is not None


def test_get_requests_date_rules(client, citizen, category):
    services.submit_report(make_input(category), actor=citizen)
    now = timezone.now()
    too_long = client.get(f"{BASE}/requests.json", {"start_date": (now - dt.timedelta(days=100)).isoformat(),
                                                    "end_date": now.isoformat()})
    assert too_long.status_code == 400
    bad = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    future = client.get(f"{BASE}/requests.json", {"start_date": (now + dt.timedelta(days=1)).isoformat()})
    assert future.json() == []
    updated = client.get(f"{BASE}/requests.json", {"updated_after": (now - dt.timedelta(hours=1)).isoformat()})
    assert len(updated.json()) == 1


def test_unknown_request_404(client, db):
    response = client.get(f"{BASE}/requests/PA-1999-000001.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
