"""Issue 11, the resident's side, in Chromium on a 390 px phone and a desktop: the category search lists matches and
never chooses by itself (1), every form error at once with a summary that moves the focus (2), the map without
tiles, the pin placed by keyboard and its ward shown back (3), photo previews (4), the confirmation page and the
lookup by code (5), the public search folding diacritics and the status filter (6)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from e2e.conftest import Platform, Shots, assert_accessible

RESIDENT = "Trần Thị Bích Ngọc"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (236, 240, 232)).save(out, format="PNG")
    return out.getvalue()


TILE = _tile()


def tiles_served(context: BrowserContext) -> None:
    """A tile server that answers (a plain tile for every request); every other outside request is refused."""
    def answer(route: Route) -> None:
        if re.search(r"/\d+/\d+/\d+\.png", route.request.url):
            route.fulfill(status=200, content_type="image/png", body=TILE)
        else:
            route.abort()
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), answer)


def no_tiles(context: BrowserContext) -> None:
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())


def log_in(page: Page, platform: Platform, path: str) -> None:
    page.goto(platform.url(path))
    page.get_by_role("button", name=RESIDENT).click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def photo(folder: Path, name: str, color: str) -> Path:
    path = folder / name
    Image.new("RGB", (320, 240), color).save(path, format="JPEG")
    return path


def test_category_search_lists_matches_and_never_chooses(platform: Platform, browser: Browser) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        no_tiles(context)
        page = context.new_page()
        shot = Shots(page, f"resident-category-{size}")
        log_in(page, platform, "/phan-anh/gui")
        box = page.get_by_role("combobox", name="Lĩnh vực")
        chosen = page.locator("select[name=category]")
        box.fill("cống")
        options = page.locator("#category-list").get_by_role("option")
        expect(options.first).to_contain_text("Cống thoát nước tắc nghẽn")
        expect(options.filter(has_text=re.compile("chiếu sáng", re.IGNORECASE))).to_have_count(0)
        expect(chosen).to_have_value("")  # listed, not chosen
        shot("cong-matches")
        assert_accessible(page)
        box.fill("cong")
        expect(options.first).to_contain_text("Cống thoát nước")
        expect(chosen).to_have_value("")
        box.fill("chó")
        expect(page.locator("#category-note")).to_contain_text("Không có lĩnh vực nào khớp")
        expect(options).to_have_count(0)
        expect(chosen).to_have_value("")
        shot("cho-no-match")
        # Keyboard: arrow down to the first match, Enter chooses it; editing the text afterwards unchooses it.
        box.fill("ngập")
        box.press("ArrowDown")
        box.press("Enter")
        expect(chosen).to_have_value("ng-ngap-duong")
        expect(box).to_have_value(re.compile("^Ngập nước đường phố"))
        shot("chosen")
        box.press("End")
        box.press("Backspace")
        expect(chosen).to_have_value("")
        context.close()


def test_errors_all_at_once_then_sent_confirmation_and_lookup(platform: Platform, browser: Browser,
                                                             tmp_path: Path) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        tiles_served(context)
        page = context.new_page()
        shot = Shots(page, f"resident-send-{size}")
        log_in(page, platform, "/phan-anh/gui")
        expect(page.locator("#pick-map")).to_be_visible()
        expect(page.get_by_test_id("map-unavailable")).to_be_hidden()
        shot("form")
        assert_accessible(page)

        # Photos: two previews, one removed before sending.
        page.locator("#photos").set_input_files([str(photo(tmp_path, f"a-{size}.jpg", "brown")),
                                                 str(photo(tmp_path, f"b-{size}.jpg", "navy"))])
        expect(page.locator(".photo-preview")).to_have_count(2)
        page.get_by_role("button", name=f"Bỏ ảnh b-{size}.jpg").click()
        expect(page.locator(".photo-preview")).to_have_count(1)
        expect(page.locator("#photo-status")).to_contain_text("Đã bỏ ảnh")
        shot("photo-preview")

        # Nothing else filled: every problem at once, the summary takes the focus, its links lead to the fields.
        page.get_by_role("button", name="Gửi phản ánh").click()
        summary = page.get_by_test_id("error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link")).to_have_count(3)
        expect(summary).to_contain_text("Hãy chọn lĩnh vực.")
        expect(page.get_by_role("combobox", name="Lĩnh vực")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#description")).to_have_attribute("aria-describedby", re.compile("description-error"))
        expect(page.locator(".photo-preview")).to_have_count(1)  # the chosen photo is kept
        shot("errors")
        assert_accessible(page)
        summary.get_by_role("link", name="Hãy chọn lĩnh vực.").click()
        expect(page.get_by_role("combobox", name="Lĩnh vực")).to_be_focused()

        # Fix one thing and send again: only what is still wrong is told.
        box = page.get_by_role("combobox", name="Lĩnh vực")
        box.fill("o ga")
        page.get_by_role("option", name=re.compile("Hư hỏng mặt đường")).click()
        page.get_by_role("button", name="Gửi phản ánh").click()
        expect(page.get_by_test_id("error-summary").get_by_role("link")).to_have_count(2)
        expect(page.locator("#category-error")).to_have_count(0)

        # The pin by keyboard: focus the map, Enter puts the pin at its centre; the ward comes back after a pin near
        # a report that had one (the first run places its report by ward too).
        page.locator("#pick-map").focus()
        page.keyboard.press("ArrowUp")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("location-text")).to_contain_text("Đã chọn vị trí")
        if size == "phone":  # nothing known near here yet (other tests may have left reports: then a guess)
            expect(page.get_by_test_id("ward-text")).to_contain_text(re.compile("Chưa biết|Có lẽ"))
            page.get_by_label("Phường/xã").select_option(label="Phường Sài Gòn")  # the resident corrects it
        else:
            expect(page.get_by_test_id("ward-text")).to_contain_text("Phường Sài Gòn")
            expect(page.get_by_label("Phường/xã")).to_have_value("26740")
        shot("pinned")
        page.get_by_label("Mô tả sự việc").fill(f"Ổ gà sâu trước chợ ({size})")
        page.get_by_role("button", name="Gửi phản ánh").click()

        code = page.get_by_test_id("sent-code")
        expect(code).to_have_text(re.compile(r"^PA-\d{4}-\d{6}$"))
        expect(page.get_by_text("Mã phản ánh", exact=True)).to_be_visible()
        expect(page.get_by_test_id("sent-due")).to_contain_text("Hạn trả kết quả")
        page.get_by_role("button", name="Chép mã").click()
        expect(page.locator("#copy-status")).to_have_text("Đã chép mã vào bộ nhớ tạm.")
        assert page.evaluate("navigator.clipboard.readText()") == code.inner_text()
        shot("sent")
        assert_accessible(page)

        # Lookup by code from the home page, typed carelessly.
        sent_code = code.inner_text()
        typed = sent_code.lower().replace("-", " ")
        page.goto(platform.url("/"))
        page.get_by_role("textbox", name="Tra cứu phản ánh theo mã").fill(typed)
        shot("home-lookup")
        assert_accessible(page)
        page.get_by_role("button", name="Tra cứu").click()
        expect(page.get_by_test_id("report-code")).to_have_text(sent_code)
        page.goto(platform.url("/phan-anh/tra-cuu?ma=PA-1999-000001"))
        expect(page.get_by_test_id("lookup-error")).to_contain_text("Không tìm thấy phản ánh")
        shot("lookup-not-found")
        assert_accessible(page)
        context.close()


def test_map_unavailable_without_tiles(platform: Platform, browser: Browser) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        no_tiles(context)
        page = context.new_page()
        log_in(page, platform, "/phan-anh/gui")
        expect(page.get_by_test_id("map-unavailable")).to_be_visible()
        expect(page.locator("#pick-map")).to_be_hidden()
        expect(page.get_by_text("OpenStreetMap")).to_have_count(0)
        Shots(page, f"resident-no-tiles-{size}")("form-without-map")
        assert_accessible(page)
        context.close()


SEED_REPORT = (
    "from congdanso.reports import services; from congdanso.accounts.models import User; "
    "services.submit_report(services.ReportInput(category='gt-mat-duong', description='Ổ gà sâu trước chợ (seed)', "
    "ward='26740'), actor=User.objects.filter(kind='devidp').first())"
)


def test_public_search_folds_diacritics(platform: Platform, browser: Browser) -> None:
    platform.manage("shell", "-c", SEED_REPORT)  # this test needs no other test's report
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        no_tiles(context)
        page = context.new_page()
        shot = Shots(page, f"resident-search-{size}")
        page.goto(platform.url("/phan-anh/"))
        statuses = page.locator("#f-status option").all_inner_texts()
        assert len(statuses) == len(set(statuses))
        for text in ("truoc cho", "TRƯỚC CHỢ", "o ga"):
            page.get_by_label("Mã hoặc từ khoá").fill(text)
            page.get_by_role("button", name="Lọc").click()
            expect(page.get_by_test_id("search-summary")).to_contain_text(text)
            expect(page.locator(".report-row").first).to_be_visible()
            expect(page.get_by_test_id("report-list")).to_contain_text("Hư hỏng mặt đường")
        shot("search-o-ga")
        assert_accessible(page)
        page.get_by_label("Mã hoặc từ khoá").fill("xyz không có")
        page.get_by_role("button", name="Lọc").click()
        expect(page.get_by_test_id("report-list")).to_contain_text("Chưa có phản ánh nào phù hợp")
        context.close()


def test_offline_page_styled_and_a_report_started_offline(platform: Platform, browser: Browser, tmp_path: Path) -> None:
    from e2e.conftest import wait_until

    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        no_tiles(context)
        page = context.new_page()
        shot = Shots(page, f"resident-offline-{size}")
        log_in(page, platform, "/phan-anh/gui")
        wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15)
        page.reload()  # through the worker now: the form is kept for offline use
        expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
        page.wait_for_timeout(500)
        context.set_offline(True)
        page.goto(platform.url("/"))
        expect(page.get_by_test_id("offline-page")).to_be_visible()
        expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_have_count(0)
        background = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        assert background == "rgb(183, 28, 28)", background  # the site's style sheet, kept with the page
        shot("offline-page")
        assert_accessible(page)
        page.get_by_role("link", name="Soạn phản ánh").click()
        expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
        page.get_by_role("combobox", name="Lĩnh vực").fill("cây đổ")
        page.locator("#category-list").get_by_role("option").first.click()
        page.get_by_label("Phường/xã").select_option(label="Phường Sài Gòn")
        page.get_by_label("Mô tả sự việc").fill(f"Cây đổ chắn đường, soạn khi mất mạng ({size})")
        page.get_by_role("button", name="Gửi phản ánh").click()
        expect(page.get_by_test_id("form-status")).to_contain_text("ngoại tuyến")
        shot("saved-offline")
        context.set_offline(False)
        expect(page.get_by_test_id("form-status")).to_contain_text("Đã gửi phản ánh đã lưu", timeout=15000)
        expect(page.get_by_test_id("sent-link")).to_have_count(1)
        expect(page.get_by_label("Mô tả sự việc")).to_have_value("")  # the form starts afresh
        expect(page.locator("select[name=category]")).to_have_value("")
        shot("sent-and-cleared")
        context.close()


def test_new_report_in_english(platform: Platform, browser: Browser) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="en-GB", viewport=viewport)
        no_tiles(context)
        page = context.new_page()
        shot = Shots(page, f"resident-english-{size}")
        log_in(page, platform, "/phan-anh/gui")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        box = page.get_by_role("combobox", name="Category")
        box.fill("pothole")
        expect(page.locator("#category-list").get_by_role("option").first).to_contain_text(
            "Damaged road surface, potholes, subsidence")
        expect(page.locator("#ward")).to_contain_text(
            "Sài Gòn Ward")
        shot("pothole")
        box.fill("")
        page.get_by_role("button", name="Send a report").click()
        summary = page.get_by_test_id("error-summary")
        expect(summary).to_contain_text("Choose a category.")
        shot("errors")
        assert_accessible(page)
        context.close()
