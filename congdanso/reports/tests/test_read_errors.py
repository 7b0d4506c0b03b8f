"""Bad input on the read side is a clear 4xx, never a 500 (issue 9, #7): points that are not numbers, forged
cursors, dates no database can hold, page numbers no database can skip to. The JSON API answers in its error shape
({code, message}), Open311 in its own (a list of {code, description})."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from congdanso.reports import queries
from congdanso.reports.models import Report

API = "/api/v1/reports"
OPEN311 = "/open311/v2/requests.json"


def _cursor(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _api_error(response: Any, status: tuple[int, ...] = (400, 422)) -> dict[str, Any]:
    assert response.status_code in status, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] and body["message"], body
    return body


@pytest.fixture
def reports(report: Report, citizen: Any, category: Any) -> list[Report]:
    from congdanso.reports import services
    from congdanso.reports.tests.conftest import make_input

    more = [services.submit_report(make_input(category, description=f"Ổ gà số {i}"), actor=citizen).report
            for i in range(2)]
    return [report, *more]


@pytest.mark.parametrize("lat, lon", [("nan", "106.7"), ("inf", "106.7"), ("-inf", "106.7"), ("1e308", "106.7"),
                                      ("10.7", "nan"), ("10.7", "1e308"), ("NaN", "Infinity")])
def test_nearby_refuses_points_that_are_not_on_earth(client: Client, category: Any, lat: str, lon: str) -> None:
    _api_error(client.get(f"{API}/nearby", {"category": category.code, "lat": lat, "lon": lon}))


FORGED = [
    _cursor('{"a":1}'), _cursor("[1e400]"), _cursor(f"[{2**70}]"), _cursor("[-1]"), _cursor("[0]"),
    _cursor("[true]"), _cursor('["12"]'), _cursor("[1.5]"), _cursor("[]"), _cursor("[1,2]"), _cursor("null"),
    _cursor("[" * 5000 + "]" * 5000), _cursor(b"\xff\xfe\x00"), "!!!not-base64!!!", "a", "%%%",
]


@pytest.mark.parametrize("cursor", FORGED)
def test_forged_cursors_are_a_400(client: Client, reports: list[Report], cursor: str) -> None:
    for path in (API, f"{API}/geojson"):
        body = _api_error(client.get(path, {"cursor": cursor, "limit": 1}), status=(400,))
        assert body["code"] == "invalid_filter"


@pytest.mark.parametrize("cursor", [
    _cursor(f'["2026-01-01T00:00:00+00:00",{2**70}]'), _cursor('["0001-01-01T00:00:00+07:00",1]'),
    _cursor('["9999-12-31T23:59:59-01:00",1]'), _cursor('[1,2]'), _cursor('["not a date",1]'),
    _cursor('["2026-01-01T00:00:00+00:00"]'), _cursor('["2026-01-01T00:00:00+00:00",1e400]'),
])
def test_forged_sync_cursors_are_a_400(client: Client, reports: list[Report], cursor: str) -> None:
    response = client.get(API, {"cursor": cursor, "updated_after": "2020-01-01T00:00:00Z"})
    assert _api_error(response, status=(400,))["code"] == "invalid_filter"


def test_a_real_cursor_still_pages(client: Client, reports: list[Report]) -> None:
    first = client.get(API, {"limit": 2}).json()
    second = client.get(API, {"limit": 2, "cursor": first["next_cursor"]}).json()
    seen = [r["code"] for r in first["items"] + second["items"]]
    assert seen == [r.code for r in sorted(reports, key=lambda r: -r.pk)]
    synced = client.get(API, {"limit": 2, "updated_after": "2000-01-01T00:00:00Z"}).json()
    rest = client.get(API, {"limit": 2, "updated_after": "2000-01-01T00:00:00Z",
                            "cursor": synced["next_cursor"]}).json()
    assert len(synced["items"]) + len(rest["items"]) == 3 and rest["next_cursor"] is None


EXTREME_DATES = ["0001-01-01T00:00:00", "0001-01-01T00:00:00+07:00", "0001-01-01", "9999-12-31T23:59:59",
                 "9999-12-31T23:59:59-01:00", "9999-12-31"]


@pytest.mark.parametrize("when", EXTREME_DATES)
@pytest.mark.parametrize("name", ["updated_after", "start_date", "end_date"])
def test_api_dates_out_of_range_are_a_400(client: Client, reports: list[Report], name: str, when: str) -> None:
    _api_error(client.get(API, {name: when}))


@pytest.mark.parametrize("when", [*EXTREME_DATES, "2026-13-45", "yesterday"])
@pytest.mark.parametrize("name", ["updated_after", "start_date", "end_date"])
def test_open311_dates_out_of_range_are_a_400(client: Client, reports: list[Report], name: str, when: str) -> None:
    response = client.get(OPEN311, {name: when})
    assert response.status_code == 400, response.content[:300]
    (error,) = response.json()
    assert error["code"] == 400 and error["description"]


@pytest.mark.parametrize("page", ["9" * 20, "100001", "1" + "0" * 19])
def test_open311_page_beyond_any_table_is_a_400(client: Client, reports: list[Report], page: str) -> None:
    for path in (OPEN311, "/open311/v2/requests.xml"):
        response = client.get(path, {"page": page})
        assert response.status_code == 400, response.content[:300]
    (error,) = client.get(OPEN311, {"page": page}).json()
    assert error["code"] == 400


@pytest.mark.parametrize("size, expected", [("9" * 20, 3), ("-5", 1), ("0", 1), ("2", 2)])
def test_open311_page_size_extremes_are_clamped(client: Client, reports: list[Report], size: str,
                                                expected: int) -> None:
    response = client.get(OPEN311, {"page_size": size})
    assert response.status_code == 200 and len(response.json()) == expected
    assert client.get(OPEN311, {"page_size": "1e3"}).status_code == 400


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": str(10**20)}, {"bbox": "nan,nan,nan,nan"},
                                   {"bbox": "1,2,3"}, {"status": "nope"}])
def test_api_list_parameters_out_of_range_are_4xx(client: Client, query: dict[str, str]) -> None:
    _api_error(client.get(API, query))


@pytest.mark.parametrize("query", [{"bbox": "106,10,107,11", "zoom": str(10**20)},
                                   {"bbox": "inf,10,107,11"}, {"bbox": "106,10,107,11", "status": "x"}])
def test_map_parameters_out_of_range_are_4xx(client: Client, query: dict[str, str]) -> None:
    _api_error(client.get(f"{API}/map", query))


def test_status_words_are_parsed_in_one_place() -> None:
    assert set(queries.parse_status(["open"])) == {s for s in queries.Status.values
                                                   if s in queries.OPEN}
    assert set(queries.parse_status(["closed"])) == set(queries.FINISHED)
    assert queries.parse_status(["received, rejected"]) == ["received", "rejected"]
    with pytest.raises(queries.BadFilter):
        queries.parse_status(["opened"])


def test_every_channel_reads_the_status_words_the_same_way(client: Client, reports: list[Report]) -> None:
    Report.objects.filter(pk=reports[0].pk).update(status="rejected")
    api = {r["code"] for r in client.get(API, {"status": "closed"}).json()["items"]}
    open311 = {r["service_request_id"] for r in client.get(OPEN311, {"status": "closed"}).json()}
    page = client.get("/phan-anh/", {"status": "closed"}).content.decode()
    assert api == open311 == {reports[0].code}
    assert reports[0].code in page and reports[1].code not in page
    assert json.loads(client.get(OPEN311, {"status": "open"}).content)[0]["status"] == "open"
