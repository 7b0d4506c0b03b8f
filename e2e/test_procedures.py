"""The procedure catalogue in Chromium: a resident searches "dang ky khai sinh" without diacritics, opens the
procedure, sees and ticks the "documents I need" checklist (kept on the device), the agencies with their addresses
and the link to submit online; the print view; at 390 px and at desktop width; axe-core clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import ARTIFACTS, Platform, Shots, assert_accessible

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def catalogue(platform: Platform) -> Platform:
    platform.manage("import_procedures", "--bundled", "--no-progress")  # as `make run` does (idempotent)
    return platform


def _search_and_open(page: Page, platform: Platform, shot: Shots, width: str) -> None:
    page.goto(platform.url("/"))
    page.get_by_role("link", name="Thủ tục hành chính").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục hành chính")
    page.get_by_label("Tên thủ tục hoặc từ khóa").fill("dang ky khai sinh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.get_by_test_id("procedure-results")
    expect(results.locator(".procedure-name").first).to_have_text("Đăng ký khai sinh")
    search_png = shot(f"search-{width}")
    assert_accessible(page)
    results.locator(".procedure-name").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký khai sinh")
    checklist = page.get_by_test_id("checklist").first
    expect(checklist).to_contain_text("Tờ khai đăng ký khai sinh")
    expect(checklist).to_contain_text("Giấy chứng sinh")
    expect(page.get_by_test_id("agencies")).to_contain_text("Bộ phận Một cửa")
    expect(page.get_by_test_id("submit-online")).to_have_attribute("href", "/ho-so/nop/1.001193")
    expect(page.get_by_test_id("submit-portal")).to_have_attribute("href", "https://dichvucong.gov.vn/p/home/"
                                                                    "dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
                                                                    "?ma_thu_tuc=1.001193")
    detail_png = shot(f"detail-{width}")
    assert_accessible(page)
    for name, png in (("search", search_png), ("detail", detail_png)):
        shutil.copy(png, DOCS / f"procedures-{name}-{width}.png")


def test_resident_finds_birth_registration_on_a_phone(catalogue: Platform, browser: Browser,
                                                      request: pytest.FixtureRequest) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    shot = Shots(page, request.node.name)
    try:
        _search_and_open(page, catalogue, shot, "390")
        # the checklist: a tick survives a reload (kept on this device), and "clear" removes it
        first_box = page.locator("#doc-1-1")
        first_box.check()
        page.reload()
        expect(page.locator("#doc-1-1")).to_be_checked()
        shot("ticked-390")
        page.get_by_role("button", name="Bỏ mọi dấu đã chọn").click()
        expect(page.locator("#doc-1-1")).not_to_be_checked()
        # the print view: no header, navigation or buttons; the checklist and agencies are there
        page.locator("#doc-1-2").check()
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.get_by_role("button", name="In trang này")).to_be_hidden()
        expect(page.get_by_test_id("checklist").first).to_be_visible()
        shot("print-390")
    finally:
        context.close()


def test_resident_finds_birth_registration_on_a_desktop(catalogue: Platform, browser: Browser,
                                                        request: pytest.FixtureRequest) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    shot = Shots(page, request.node.name)
    try:
        _search_and_open(page, catalogue, shot, "desktop")
        # typos and word order, and a filter
        page.goto(catalogue.url("/thu-tuc/?q=dang+ki+khai+sin"))
        expect(page.get_by_test_id("procedure-results").locator(".procedure-name").first).to_have_text(
            "Đăng ký khai sinh")
        page.goto(catalogue.url("/thu-tuc/?q=khai+sinh+%C4%91%C4%83ng+k%C3%BD&online=any"))
        expect(page.get_by_test_id("procedure-results").locator(".procedure-name").first).to_have_text(
            "Đăng ký khai sinh")
        shot("filtered-desktop")
        # a procedure that cannot be submitted online shows no such link
        page.goto(catalogue.url("/thu-tuc/1.000689"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký giám hộ")
        expect(page.get_by_test_id("submit-online")).to_have_count(0)
    finally:
        context.close()


def test_unknown_procedure_is_a_friendly_404(catalogue: Platform, page: Page) -> None:
    response = page.goto(catalogue.url("/thu-tuc/9.999999"))
    assert response is not None and response.status == 404
    assert_accessible(page)


assert ARTIFACTS  # screenshots of every step land in e2e/artifacts/<test name>/
