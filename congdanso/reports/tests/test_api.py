"""JSON API: list with bbox/status/category/ward/updated_after filters and cursor pages, GeoJSON, map clusters,
detail and timeline without reporter identity, create with Idempotency-Key, errors as JSON 4xx."""

from __future__ import annotations

import time

from django.urls import reverse

from congdanso.reports import queries, services
from congdanso.testing.factories import LAT, LON, jpeg_bytes, make_input

API = "/api/v1/reports"


def seed(citizen, category, n=5, **kw):
    return [services.submit_report(make_input(category, description=f"Báo số {i}", lat=LAT + i * 0.01, **kw),
                                   actor=citizen).report for i in range(n)]


def test_list_and_cursor(client, citizen, category):
    made = seed(citizen, category, 5)
    first = client.get(API, {"limit": 2}).json()
    assert [i["code"] for i in first["items"]] == [made[4].code, made[3].code]
    second = client.get(API, {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get(API, {"limit": 2, "cursor": second["next_cursor"]}).json()
    codes = [i["code"] for p in (first, second, third) for i in p["items"]]
    assert len(codes) == 5 == len(set(codes)) and third["next_cursor"] is None
    assert "reporter" not in first["items"][0] and "description" not in first["items"][0]


def test_filters(client, citizen, category, ward_category, ward):
    seed(citizen, category, 3)
    services.submit_report(make_input(ward_category, ward=ward.code, lat=None, lon=None), actor=citizen)
    assert len(client.get(API, {"bbox": f"{LON - 0.001},{LAT - 0.001},{LON + 0.001},{LAT + 0.015}"}
                          ).json()["items"]) == 2
    assert len(client.get(API, {"category": ward_category.code}).json()["items"]) == 1
    assert len(client.get(API, {"ward": ward.code}).json()["items"]) == 1
    assert len(client.get(API, {"status": "open"}).json()["items"]) == 4
    assert len(client.get(API, {"status": "closed"}).json()["items"]) == 0
    bad = client.get(API, {"bbox": "1,2,3"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_filter"
    assert client.get(API, {"status": "nope"}).status_code == 400
    assert client.get(API, {"cursor": "!!!"}).status_code == 400


def test_updated_after_sync(client, citizen, category, officer):
    reports = seed(citizen, category, 3)
    mark = client.get(API).json()["items"][0]["updated_at"]
    time.sleep(0.01)
    services.receive_report(reports[0], actor=officer)
    changed = client.get(API, {"updated_after": mark}).json()["items"]
    assert [c["code"] for c in changed] == [reports[0].code]


def test_geojson(client, citizen, category):
    seed(citizen, category, 2)
    body = client.get(API + "/geojson").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 2
    geometry = body["features"][0]["geometry"]
    assert geometry["type"] == "Point" and abs(geometry["coordinates"][0] - LON) < 1e-9


def test_map_clusters_and_points(client, citizen, category):
    seed(citizen, category, 4)
    queries.refresh_map_cells()
    box = "106.3,10.5,107.0,11.0"
    zoomed_out = client.get(API + "/map", {"bbox": box, "zoom": 10}).json()
    assert zoomed_out["kind"] == "clusters" and sum(c["count"] for c in zoomed_out["clusters"]) == 4
    street = client.get(API + "/map", {"bbox": box, "zoom": 16}).json()
    assert street["kind"] == "points" and len(street["points"]) == 4
    filtered = client.get(API + "/map", {"bbox": box, "zoom": 10, "status": "closed"}).json()
    assert sum(c["count"] for c in filtered["clusters"]) == 0


def test_detail_and_timeline(client, report, citizen):
    body = client.get(f"{API}/{report.code}").json()
    assert body["code"] == report.code and body["agency"] == "Sở Xây dựng" and len(body["photos"]) == 1
    assert citizen.full_name not in str(body)
    events = client.get(f"{API}/{report.code}/timeline").json()
    assert [e["kind"] for e in events] == ["submitted", "routed"]
    assert client.get(f"{API}/PA-1999-000000").status_code == 404


def test_create_needs_login_and_is_idempotent(client, citizen, category):
    data = {"category": category.code, "description": "Đèn tắt", "lat": LAT, "lon": LON}
    assert client.post(API, data).status_code == 401
    client.force_login(citizen)
    from django.core.files.uploadedfile import SimpleUploadedFile

    first = client.post(API, {**data, "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")]},
                        headers={"Idempotency-Key": "api-1"})
    assert first.status_code == 201, first.content
    again = client.post(API, {**data, "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")]},
                        headers={"Idempotency-Key": "api-1"})
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    conflict = client.post(API, {**data, "description": "khác"}, headers={"Idempotency-Key": "api-1"})
    assert conflict.status_code == 409
    bomb = client.post(API, {**data, "photos": [SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\nxx", "image/png")]})
    assert bomb.status_code == 400 and bomb.json()["code"].startswith("photo_")


def test_follow_via_api(client, report, django_user_model):
    bob = django_user_model.objects.create(username="oidc-bob")
    client.force_login(bob)
    body = client.post(f"{API}/{report.code}/follow?me_too=true").json()
    assert body == {"follower_count": 1, "me_too_count": 1}


def test_openapi_lists_report_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/reports" in paths and "/api/v1/reports/map" in paths
    assert reverse("api-v1:reports_map") == "/api/v1/reports/map"


def test_cached_clusters_follow_each_rebuild(client, citizen, category, django_capture_on_commit_callbacks):
    seed(citizen, category, 2)
    with django_capture_on_commit_callbacks(execute=True):
        queries.refresh_map_cells()
    box = {"bbox": "106.3,10.5,107.0,11.0", "zoom": 10}
    first = client.get(API + "/map", box).json()
    assert sum(c["count"] for c in first["clusters"]) == 2
    seed(citizen, category, 3)
    cached = client.get(API + "/map", box).json()
    assert sum(c["count"] for c in cached["clusters"]) == 2  # served from the cache until the cells are rebuilt
    with django_capture_on_commit_callbacks(execute=True):
        queries.refresh_map_cells()
    fresh = client.get(API + "/map", box).json()
    assert sum(c["count"] for c in fresh["clusters"]) == 5
