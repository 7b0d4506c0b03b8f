"""A ward's one-stop-shop system pushes a dossier and its status events over HTTP; the applicant, who signs in with
VNeID afterwards, finds it in "Việc của tôi", is notified of each change, and anyone can look it up by code (the
timeline only with the last 4 digits of the applicant's ID number)."""

from __future__ import annotations

import re
import uuid

import requests
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Platform, Shots, assert_accessible

APPLICANT = "Nguyễn Văn An"  # a level-2 demo person of the development identity provider
APPLICANT_ID = "079085001234"


def _key(platform: Platform) -> str:
    platform.manage("import_procedures", "--bundled", "--no-progress", "-v", "0")
    printed = platform.manage("create_integration_system", f"Một cửa Tân Định {uuid.uuid4().hex[:6]}",
                              "--agency", "UBND-26740")
    return re.search(r"cdsd_\S+", printed).group(0)  # type: ignore[union-attr]


def test_a_system_pushes_a_dossier_and_the_applicant_follows_it(platform: Platform, page: Page, shot: Shots,
                                                                browser: Browser) -> None:
    key = _key(platform)
    headers = {"Authorization": f"Bearer {key}"}
    created = requests.post(platform.url("/api/v1/dossiers"), headers=headers, timeout=10, json={
        "external_id": uuid.uuid4().hex, "procedure": "1.004222", "agency": "UBND-26740",
        "applicant": {"name": APPLICANT, "id_number": APPLICANT_ID}})
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    events = platform.url(f"/api/v1/dossiers/{code}/events")

    page.goto(platform.url("/auth/vneid/login?next=/viec-cua-toi"))
    page.get_by_role("button", name=APPLICANT).click()
    page.wait_for_url(re.compile(r"/viec-cua-toi$"))
    expect(page.get_by_test_id("my-cases")).to_contain_text(code)
    shot("my-cases")
    assert_accessible(page)

    moved = requests.post(events, headers=headers, timeout=10, json={"event_id": f"{code}-1", "status": 4})
    assert moved.status_code == 200 and moved.json()["changed"] is True
    supplement = requests.post(events, headers=headers, timeout=10, json={
        "event_id": f"{code}-2", "status": 5, "message": "Bổ sung giấy xác nhận chỗ ở hợp pháp."})
    assert supplement.status_code == 200
    repeat = requests.post(events, headers=headers, timeout=10, json={"event_id": f"{code}-2", "status": 5})
    assert repeat.json()["changed"] is False
    illegal = requests.post(events, headers=headers, timeout=10, json={"event_id": f"{code}-3", "status": 10})
    assert illegal.status_code == 409 and illegal.json()["allowed"]

    page.goto(platform.url("/notifications/"))
    expect(page.get_by_test_id("inbox-list")).to_contain_text(code)
    shot("inbox")
    page.goto(platform.url(f"/ho-so/{code}"))
    expect(page.get_by_test_id("timeline")).to_contain_text("Bổ sung giấy xác nhận chỗ ở hợp pháp.")
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("class", re.compile("status-supplement"))
    shot("dossier-page")
    assert_accessible(page)

    stranger = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844}).new_page()
    stranger.goto(platform.url(f"/ho-so/tra-cuu?ma={code}"))
    expect(stranger.get_by_test_id("dossier-code")).to_have_text(code)
    expect(stranger.get_by_text("Bổ sung giấy xác nhận chỗ ở hợp pháp.")).to_have_count(0)
    assert APPLICANT not in stranger.content()
    stranger.get_by_test_id("lookup-proof").fill(APPLICANT_ID[-4:])
    stranger.get_by_test_id("proof-submit").click()
    expect(stranger.get_by_test_id("timeline")).to_contain_text("Bổ sung giấy xác nhận chỗ ở hợp pháp.")
    assert_accessible(stranger)
    stranger.screenshot(path=str(shot.folder / "lookup-with-proof-390.png"), full_page=True)
    stranger.context.close()
