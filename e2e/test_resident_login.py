"""A resident logs in with VNeID (the development provider, over real HTTP) and sees their name."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.conftest import Platform, Shots, assert_accessible


def test_resident_logs_in_with_vneid_and_sees_their_name(platform: Platform, page: Page, shot: Shots) -> None:
    page.goto(platform.url("/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot("home")
    assert_accessible(page)

    page.get_by_role("link", name="Đăng nhập VNeID").click()
    expect(page.get_by_role("heading", name="Đăng nhập VNeID (mô phỏng)")).to_be_visible()
    shot("devidp-choose")
    assert_accessible(page)

    page.get_by_role("button", name="Trần Thị Bích Ngọc").click()
    expect(page.get_by_test_id("user-name")).to_have_text("Trần Thị Bích Ngọc")
    shot("logged-in-home")

    page.get_by_test_id("user-name").click()
    expect(page.get_by_test_id("full-name")).to_have_text("Trần Thị Bích Ngọc")
    expect(page.get_by_text("Mức 2")).to_be_visible()
    shot("my-account")
    assert_accessible(page)

    me = page.request.get(platform.url("/api/v1/me"))
    assert me.status == 200 and me.json()["full_name"] == "Trần Thị Bích Ngọc"

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()
    expect(page.get_by_role("heading", name="Bạn đã đăng xuất")).to_be_visible()
    assert page.url.endswith("/da-dang-xuat"), page.url  # a clean address: no OpenID Connect state in it
    shot("logged-out")
    assert_accessible(page)
    assert page.request.get(platform.url("/api/v1/me")).status == 401


def test_resident_switches_to_english(platform: Platform, page: Page, shot: Shots) -> None:
    page.goto(platform.url("/"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Log in with VNeID")).to_be_visible()
    shot("home-english")
    assert_accessible(page)
