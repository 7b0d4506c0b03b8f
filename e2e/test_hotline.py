"""Issue 11, point 15 in Chromium, on a 390 px phone (no map tiles) and a desktop (tiles served): a hotline officer
finds the ward by typing its name without diacritics (keyboard on the phone, pointer on the desktop), types the
street, every error is summarised at the top and shown beside its field, the caller's number and consent are taken,
and the confirmation shows the code to read out; the caller, who has no account, is texted it (the delivery is
"sent" on the case page). Screenshots of the form (empty, with errors, filled) and the confirmation at both widths
in ``e2e/artifacts/hotline-*``."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from e2e.conftest import Platform, Shots, assert_accessible, sign_in_new_staff, wait_until

PASSWORD = "Tong-dai-1022-2026!"
OFFICER = "Đỗ Văn Hùng"  # a staff name no other browser test uses
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PATH = "/backoffice/phan-anh/tiep-nhan-ho"


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (236, 240, 232)).save(out, format="PNG")
    return out.getvalue()


TILE = _tile()


def outside(context: BrowserContext, *, tiles: bool) -> None:
    """No network: a plain tile for every tile request when ``tiles``, every other outside request refused."""
    def answer(route: Route) -> None:
        if tiles and re.search(r"/\d+/\d+/\d+\.png", route.request.url):
            route.fulfill(status=200, content_type="image/png", body=TILE)
        else:
            route.abort()
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), answer)


def choose_ward(page: Page, typed: str, name: str, *, keyboard: bool) -> None:
    box = page.get_by_role("combobox", name="Phường/xã")
    box.fill(typed)
    options = page.locator("#ward-list").get_by_role("option")
    expect(options.first).to_have_text(name)
    expect(page.locator("select[name=ward]")).to_have_value("")  # listed, never chosen by itself
    if keyboard:
        box.press("ArrowDown")
        box.press("Enter")
    else:
        options.first.click()


def test_hotline_entry_by_ward_and_street_then_the_code_to_read_out(platform: Platform, browser: Browser) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(locale="vi-VN", viewport=viewport)
        outside(context, tiles=size == "desktop")
        page = context.new_page()
        shot = Shots(page, f"hotline-{size}")
        sign_in_new_staff(page, platform, PATH, f"e2e.tongdai.{size}", OFFICER, PASSWORD, "city_admin")
        expect(page.get_by_role("heading", name="Tiếp nhận phản ánh qua đường dây nóng")).to_be_visible()
        expect(page.get_by_role("textbox", name=re.compile("Vĩ độ|Kinh độ"))).to_have_count(0)  # no coordinates typed
        expect(page.get_by_label("Người gọi đồng ý nhận tin nhắn SMS về phản ánh này")).not_to_be_checked()
        if size == "desktop":
            wait_until(page, "document.querySelector('#pick-map .leaflet-tile-loaded') !== null")
            expect(page.get_by_test_id("map-unavailable")).to_be_hidden()
        else:
            expect(page.get_by_test_id("map-unavailable")).to_be_visible()
        shot("empty")
        assert_accessible(page)

        # Everything wrong at once: the summary at the top links to each field; the field says it too.
        page.get_by_label("Số điện thoại").fill("12345")
        page.get_by_label("Người gọi đồng ý nhận tin nhắn SMS về phản ánh này").check()
        page.get_by_role("button", name="Ghi nhận phản ánh").click()
        summary = page.get_by_test_id("error-summary")
        expect(summary.get_by_role("link")).to_have_text([
            "Hãy chọn lĩnh vực.", "Hãy chọn phường/xã nơi xảy ra sự việc.",
            "Hãy nhập số nhà, tên đường hoặc địa điểm mà người gọi mô tả.", "Hãy mô tả sự việc.",
            re.compile("^Số điện thoại không đúng")])
        wait_until(page, "document.activeElement && document.activeElement.id === 'error-summary'")
        expect(page.get_by_role("combobox", name="Phường/xã")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Số điện thoại")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Người gọi đồng ý nhận tin nhắn SMS về phản ánh này")).to_be_checked()  # kept
        shot("errors")
        assert_accessible(page)
        summary.get_by_role("link", name="Hãy chọn phường/xã nơi xảy ra sự việc.").click()
        wait_until(page, "document.activeElement && document.activeElement.id === 'ward'")

        # Filled by ward and street: "ben thanh" finds Phường Bến Thành (diacritics folded).
        page.get_by_role("combobox", name="Lĩnh vực").fill("o ga")
        page.get_by_role("option", name=re.compile("Hư hỏng mặt đường")).click()
        if size == "desktop":  # the map adds a pin by keyboard (its ward is shown back, then corrected by name)
            page.locator("#pick-map").focus()
            page.keyboard.press("Enter")
            expect(page.get_by_test_id("location-text")).to_contain_text("Đã chọn vị trí")
            expect(page.get_by_test_id("ward-text")).not_to_be_empty()
        choose_ward(page, "ben thanh", "Phường Bến Thành", keyboard=size == "phone")
        expect(page.locator("select[name=ward]")).to_have_value("26743")
        expect(page.locator("#location-error")).to_have_count(0)  # corrected: its message goes
        page.get_by_label("Số nhà, tên đường, địa điểm").fill("Trước số 25 Lê Lợi")
        page.get_by_label("Mô tả sự việc").fill(f"Người gọi báo ổ gà sâu giữa đường ({size})")
        page.get_by_label("Họ tên").fill("Bà Tư")
        page.get_by_label("Số điện thoại").fill("0912 345 678")
        shot("filled")
        page.get_by_role("button", name="Ghi nhận phản ánh").click()

        code = page.get_by_test_id("call-code")
        expect(code).to_have_text(re.compile(r"^PA-\d{4}-\d{6}$"))
        expect(page.get_by_test_id("call-sms")).to_contain_text("kết thúc bằng 678")
        shot("confirmation")
        assert_accessible(page)
        if size == "phone":
            page.set_viewport_size(DESKTOP)
            shot("confirmation-wide")
            page.set_viewport_size(PHONE)
        report_code = code.inner_text()

        # The caller has no account: the code goes by SMS through the worker; the case's deliveries show it sent.
        page.get_by_test_id("call-case").click()
        expect(page.get_by_test_id("staff-report-code")).to_have_text(report_code)
        page.get_by_test_id("deliveries-link").click()
        for _attempt in range(30):
            sms = page.get_by_test_id("delivery-status").get_by_test_id("delivery-sms")
            if sms.count() and "Đã gửi" in sms.first.inner_text():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(page.get_by_test_id("delivery-status")).to_contain_text("Người gọi đường dây nóng (SMS)")
        expect(page.get_by_test_id("delivery-status").get_by_test_id("delivery-sms").first).to_contain_text("Đã gửi")
        shot("deliveries-sms-sent")
        context.close()
