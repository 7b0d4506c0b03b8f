"""One public projection of a report (reports/projections.py) for the API, Open311, webhooks and the public pages:
the reporter is never public, and public reads never read the encrypted contact fields."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from congdanso.reports import events, projections, services
from congdanso.reports.models import Report, ReportEvent
from congdanso.reports.tests.conftest import make_input

SECRET_NAME = "Nguyễn Văn Bímật"
SECRET_PHONE = "0909123456"


@pytest.fixture
def hidden_reporter(citizen: Any, category: Any) -> Report:
    """A report filed on behalf of a resident who gave contact details and asked to hide their identity."""
    report = services.submit_report(make_input(category, identity_hidden=True), actor=citizen).report
    Report.objects.filter(pk=report.pk).update(contact_name=SECRET_NAME, contact_phone=SECRET_PHONE)
    return Report.objects.get(pk=report.pk)


def test_the_projection_names_no_private_field() -> None:
    lookups = {str(v).split("__")[0] for v in projections.PUBLIC.values() if isinstance(v, str)}
    assert not lookups & projections.PRIVATE
    assert not set(projections.PUBLIC) & projections.PRIVATE
    for fields in (projections.SUMMARY, projections.OPEN311, projections.DETAIL, projections.WEBHOOK,
                   projections.PAGE_LIST):
        assert set(fields) <= set(projections.PUBLIC)


def test_no_public_channel_shows_the_reporter(client: Client, hidden_reporter: Report, citizen: Any) -> None:
    code = hidden_reporter.code
    bodies = [
        client.get("/api/v1/reports").content, client.get("/api/v1/reports/geojson").content,
        client.get(f"/api/v1/reports/{code}").content,
        client.get("/open311/v2/requests.json", {"extensions": "true"}).content,
        client.get("/open311/v2/requests.xml", {"extensions": "true"}).content,
        client.get(f"/open311/v2/requests/{code}.json", {"extensions": "true"}).content,
        client.get("/phan-anh/").content, client.get(f"/phan-anh/{code}").content,
    ]
    event = ReportEvent.objects.filter(report=hidden_reporter).first()
    bodies.append(repr(events._public_payload(hidden_reporter, event)).encode())
    assert all(code in body.decode() for body in bodies)
    bodies.append(client.get(f"/api/v1/reports/{code}/timeline").content)
    for body in bodies:
        text = body.decode()
        for secret in (SECRET_NAME, SECRET_PHONE, citizen.full_name, citizen.username):
            assert secret not in text


def test_public_reads_never_read_contact_fields(client: Client, hidden_reporter: Report) -> None:
    code = hidden_reporter.code
    urls = ["/api/v1/reports", "/api/v1/reports/geojson", f"/api/v1/reports/{code}",
            "/api/v1/reports/map?bbox=106.6,10.7,106.8,10.9&zoom=16", "/open311/v2/requests.json",
            f"/open311/v2/requests/{code}.json", "/phan-anh/", f"/phan-anh/{code}"]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "reports_report" in sql, url
        assert "contact_name" not in sql and "contact_phone" not in sql and "contact_email" not in sql, url


def test_webhook_payload_is_the_projection(hidden_reporter: Report) -> None:
    event = ReportEvent.objects.filter(report=hidden_reporter).first()
    payload = events._public_payload(hidden_reporter, event)
    assert set(payload) == set(projections.WEBHOOK) | {"event", "message"}
    assert payload["category"] == hidden_reporter.category.code and payload["code"] == hidden_reporter.code
