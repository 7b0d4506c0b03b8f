"""Every public page of the shell passes axe-core with no serious or critical violation, and the PWA is wired."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Platform, Shots, assert_accessible, wait_until

PAGES = ["/", "/coming/phan-anh", "/coming/canh-bao", "/offline", "/khong-co-trang-nay", "/auth/staff/login"]


@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(platform: Platform, page: Page, shot: Shots, path: str) -> None:
    page.goto(platform.url(path))
    expect(page.locator("main")).to_be_visible()
    shot("page")
    assert_accessible(page)


def test_keyboard_skip_link_reaches_main(platform: Platform, page: Page) -> None:
    page.goto(platform.url("/"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Bỏ qua" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_service_worker_registers_and_manifest_is_served(platform: Platform, page: Page) -> None:
    page.goto(platform.url("/"))
    wait_until(page, "document.documentElement.dataset.swRegistered === '1'", timeout=10)
    manifest = page.request.get(platform.url("/manifest.webmanifest")).json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert page.request.get(platform.url("/api/v1/openapi.json")).ok
