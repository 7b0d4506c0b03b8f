"""Open311 writes: XML bodies stay well-formed whatever is stored; POST input goes through the shared parsing."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from django.db import connection

from congdanso.agencies.models import Category
from congdanso.api.open311.render import xml_document
from congdanso.reports import services
from congdanso.reports.models import Report, ReportEvent
from congdanso.reports.tests.conftest import make_input

BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def category(db, department):
    return Category.objects.create(code="cs-den-khong-sang", group="Chiếu sáng", name="Đèn không sáng",
                                   default_agency=department)


def test_legacy_rows_with_control_characters_do_not_break_the_feed(client, citizen, category):
    report = services.submit_report(make_input(category), actor=citizen).report
    bad = "Đèn\x01 hỏng\x0b\x1b[31m" + ("\x00" if connection.vendor == "sqlite" else "")
    Report.objects.filter(pk=report.pk).update(description=bad, address="Số 1\x08 Lê Lợi")
    ReportEvent.objects.filter(report=report).update(message="ghi\x02chú", is_public=True)
    for url in (f"{BASE}/requests.xml?extensions=true", f"{BASE}/requests/{report.code}.xml?extensions=true"):
        root = ET.fromstring(client.get(url).content)  # raised "not well-formed" before
        description = root.find("request/description").text
        assert description.startswith("Đèn\ufffd hỏng\ufffd\ufffd[31m")
        assert root.find("request/address").text == "Số 1\ufffd Lê Lợi"
    body = client.get(f"{BASE}/requests.json").json()  # JSON escapes control characters: valid as stored
    assert body[0]["description"] == bad


def test_xml_writer_refuses_element_names_that_are_not_names():
    assert ET.fromstring(xml_document("r", None, {"ok": "\ud800<&>"})).find("ok").text == "\ufffd<&>"
    with pytest.raises(ValueError):
        xml_document("r", None, {"a><b": "x"})
