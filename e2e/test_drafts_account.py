"""Offline report drafts on a shared phone: a draft belongs to the account that wrote it. Another resident signing
in on the same browser never sends it (neither the page nor the service worker); at logout the resident is asked
and can delete their drafts from the device; the author signing in again sends theirs, once."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import Platform, Shots, wait_until
from e2e.test_reports import fill_report, no_tiles

FIRST, SECOND = "Trần Thị Bích Ngọc", "Võ Quốc Bảo"
# Counted straight from IndexedDB: the home page, where logout lands, does not load drafts.js.
COUNT = """new Promise(done => { const open = indexedDB.open('cds-drafts', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('reports', {keyPath: 'key'});
  open.onsuccess = () => { const db = open.result, n = db.transaction('reports').objectStore('reports').count();
                           n.onsuccess = () => { db.close(); done(n.result); }; }; })"""


def log_in_as(page: Page, platform: Platform, name: str, path: str = "/phan-anh/gui") -> None:
    page.goto(platform.url(path))
    expect(page.get_by_role("heading", name="Đăng nhập VNeID (mô phỏng)")).to_be_visible()
    page.get_by_role("button", name=name).click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def log_out(page: Page) -> None:
    page.locator("form[action='/auth/logout'] button").first.click()


def leave_draft(page: Page, description: str, owner: str) -> None:
    """A draft as new.js keeps it when offline (fromForm + save), written for ``owner``."""
    fill_report(page, description)
    page.evaluate("""owner => { const d = CdsDrafts.fromForm(document.getElementById('report-form'));
                               d.owner = owner; return CdsDrafts.save(d); }""", owner)


def test_a_draft_is_never_sent_under_another_account_and_logout_offers_to_delete_it(
        platform: Platform, page: Page, shot: Shots, tmp_path: Path) -> None:
    no_tiles(page.context)
    log_in_as(page, platform, FIRST)
    first = page.get_attribute("#report-form", "data-draft-owner")
    assert first and page.evaluate("CdsDrafts.fromForm(document.getElementById('report-form')).owner") == first
    log_out(page)  # no drafts in this browser yet: signed out at once
    expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()

    # The next resident on this phone finds a draft the first one left: it is not theirs, nothing sends it.
    log_in_as(page, platform, SECOND)
    wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15)
    second = page.get_attribute("#report-form", "data-draft-owner")
    assert second and second != first
    description = "Đèn đường tắt, soạn khi mất mạng " + tmp_path.name
    leave_draft(page, description, first)
    page.evaluate("navigator.serviceWorker.controller.postMessage({type: 'cds-flush-drafts'})")
    page.evaluate("CdsDrafts.flush()")
    page.reload()  # the page flushes on load too
    page.wait_for_timeout(2000)
    assert page.evaluate(COUNT) == 1, "kept for its author"
    assert description[:30] not in page.request.get(platform.url("/phan-anh/cua-toi")).text()

    # The second resident signs out: asked (drafts are kept here), but none are theirs to delete.
    log_out(page)
    expect(page.get_by_test_id("logout-drafts")).to_be_visible()
    expect(page.locator("[data-draft-count]")).to_have_text("(0)")
    shot("logout-asks")
    page.get_by_label("Xoá khỏi máy này").check()
    page.get_by_test_id("logout-drafts").get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()
    assert page.evaluate(COUNT) == 1, "another account cannot delete it either"

    # Its author signs in again: the draft goes, under their account, once.
    log_in_as(page, platform, FIRST)
    expect(page.get_by_test_id("form-status")).to_contain_text("Đã gửi phản ánh đã lưu", timeout=15000)
    assert page.evaluate(COUNT) == 0
    assert page.request.get(platform.url("/phan-anh/cua-toi")).text().count(description[:40]) == 1

    # Another draft of theirs, then logout choosing "delete": gone from the device, and the cookie with it.
    leave_draft(page, description + " lần hai", first)
    log_out(page)
    expect(page.locator("[data-draft-count]")).to_have_text("(1)")
    page.get_by_label("Xoá khỏi máy này").check()
    page.get_by_test_id("logout-drafts").get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()
    assert page.evaluate(COUNT) == 0
    assert "cds_drafts" not in {c["name"] for c in page.context.cookies()}
