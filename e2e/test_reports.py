"""Incident reports end to end in Chromium: a resident reports with a photo (map, no tiles reachable), an officer
resolves it with a proof-of-fix photo in the back office, the resident confirms; and a report written offline is
kept by the service worker and sent exactly once when the connection returns."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.conftest import Platform, Shots, assert_accessible, sign_in_new_staff, wait_until

PASSWORD = "Canbo-phan-anh-2026!"
RESIDENT = "Trần Thị Bích Ngọc"


def photo_file(folder: Path, name: str, color: str) -> Path:
    path = folder / name
    Image.new("RGB", (640, 480), color).save(path, format="JPEG")
    return path


def no_tiles(context: BrowserContext) -> None:
    """No network here: tile servers are refused at once (the pages must work without tiles)."""
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())


def resident_logs_in(page: Page, platform: Platform, path: str) -> None:
    page.goto(platform.url(path))
    expect(page.get_by_role("heading", name="Đăng nhập VNeID (mô phỏng)")).to_be_visible()
    page.get_by_role("button", name=RESIDENT).click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def fill_report(page: Page, description: str, photo: Path | None = None) -> None:
    page.get_by_role("combobox", name="Lĩnh vực").fill("o ga")
    page.get_by_role("option", name=re.compile("Hư hỏng mặt đường")).click()
    expect(page.locator("select[name=category]")).to_have_value("gt-mat-duong")
    # No tiles here: the map says it is unavailable and the ward picker places the report.
    expect(page.get_by_test_id("map-unavailable")).to_be_visible()
    page.get_by_label("Phường/xã").select_option(label="Phường Sài Gòn")
    page.get_by_label("Số nhà, tên đường, địa điểm").fill("Trước số 10 Lê Lợi")
    page.get_by_label("Mô tả sự việc").fill(description)
    if photo is not None:
        page.locator("#photos").set_input_files(str(photo))


def test_report_resolved_with_proof_then_confirmed(platform: Platform, browser: Browser, page: Page, shot: Shots,
                                                   tmp_path: Path) -> None:
    no_tiles(page.context)
    page.goto(platform.url("/"))
    page.get_by_role("link", name=re.compile("Phản ánh hiện trường")).click()
    expect(page.get_by_role("heading", name="Phản ánh hiện trường", level=1)).to_be_visible()
    shot("public-list")
    assert_accessible(page)

    resident_logs_in(page, platform, "/phan-anh/gui")
    expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
    shot("new-report-form")
    assert_accessible(page)
    fill_report(page, "Ổ gà sâu giữa đường, xe máy dễ té", photo_file(tmp_path, "o-ga.jpg", "saddlebrown"))
    shot("filled")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_test_id("sent-code")).to_be_visible()
    page.get_by_test_id("sent-follow").click()
    code_el = page.get_by_test_id("report-code")
    expect(code_el).to_have_text(re.compile(r"^PA-\d{4}-\d{6}$"))
    code = code_el.inner_text()
    expect(page.get_by_test_id("report-holder")).to_have_text("Sở Xây dựng")
    expect(page.get_by_test_id("report-due")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Đã gửi phản ánh")
    expect(page.locator(".photos img")).to_have_count(1)
    shot("report-page")
    assert_accessible(page)

    # The officer of the Department of Construction resolves it with a proof photo.
    staff_context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    no_tiles(staff_context)
    staff = staff_context.new_page()
    sign_in_new_staff(staff, platform, "/backoffice/phan-anh/", "e2e.sxd.pa", "Phan Văn Tài", PASSWORD,
                      "agency_officer", agency="SXD")
    expect(staff.get_by_role("heading", name="Phản ánh — hàng đợi xử lý")).to_be_visible()
    Shots(staff, "staff-queue")("queue")
    assert_accessible(staff)
    staff.get_by_role("link", name=code).click()
    staff.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(staff.get_by_test_id("staff-report-status")).to_have_text("Đã tiếp nhận")
    # A face in the resident's photo is covered, when the officer asks for the drawing canvas: two clicks on
    # opposite corners draw the box (no dragging needed); the reason is shown publicly.
    assert staff.locator(".redact-stage").count() == 0, "no drawing canvas until asked"
    staff.locator("summary", has_text="Che một phần ảnh").first.click()
    stage = staff.locator(".redact-stage").first
    expect(stage.locator("img")).to_be_visible()
    stage.click(position={"x": 10, "y": 10})
    stage.click(position={"x": 40, "y": 30})
    boxes = staff.locator("textarea[name=boxes]").first
    expect(boxes).to_have_value(re.compile(r"^\d+(\.\d)?,\d+(\.\d)?,\d+(\.\d)?,\d+(\.\d)?$"))
    expect(stage.locator(".redact-box")).to_have_count(1)
    staff.locator("input[name=reason][id^=redact-reason]").first.fill("Che khuôn mặt người qua đường")
    Shots(staff, "staff-redact")("box-drawn")
    assert_accessible(staff)
    staff.get_by_role("button", name="Che vùng đã chọn").first.click()
    expect(staff.get_by_text("Đã che vùng được chọn trên ảnh.")).to_be_visible()
    expect(staff.locator(".staff-photos")).to_contain_text("đã che")
    staff.get_by_test_id("more-actions").locator("summary").click()  # resolving at once is not the next step
    staff.get_by_label("Kết quả xử lý (công khai)").fill("Đã vá ổ gà bằng bê tông nhựa")
    staff.get_by_label("Ảnh chứng minh đã xử lý").set_input_files(str(photo_file(tmp_path, "da-va.jpg", "gray")))
    staff.get_by_role("button", name="Báo đã xử lý xong").click()
    expect(staff.get_by_test_id("staff-report-status")).to_have_text("Đã xử lý xong")
    Shots(staff, "staff-resolved")("resolved")
    assert_accessible(staff)
    staff_context.close()

    page.reload()
    expect(page.get_by_test_id("report-status")).to_have_text("Đã xử lý xong")
    expect(page.get_by_test_id("timeline")).to_contain_text("Đã vá ổ gà bằng bê tông nhựa")
    expect(page.get_by_role("img", name="Ảnh kết quả xử lý")).to_be_visible()
    shot("resolved-for-resident")
    assert_accessible(page)
    page.get_by_role("button", name="Xác nhận đã xử lý").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Đã đóng")
    shot("confirmed")

    public = page.request.get(platform.url(f"/api/v1/reports/{code}")).json()
    assert public["status"] == "closed" and RESIDENT not in str(public)
    open311 = page.request.get(platform.url(f"/open311/v2/requests/{code}.json")).json()
    assert open311[0]["status"] == "closed"


def test_offline_draft_is_sent_once_when_back_online(platform: Platform, page: Page, shot: Shots,
                                                     tmp_path: Path) -> None:
    context = page.context
    no_tiles(context)
    resident_logs_in(page, platform, "/phan-anh/gui")
    wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15)
    description = "Cống nghẹt, gửi khi mất mạng " + tmp_path.name
    fill_report(page, description, photo_file(tmp_path, "cong.jpg", "darkgreen"))
    context.set_offline(True)
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_test_id("form-status")).to_contain_text("ngoại tuyến")
    drafts = page.evaluate("CdsDrafts.all().then(d => d.map(x => [x.files.length, x.key]))")
    assert len(drafts) == 1 and drafts[0][0] == 1
    shot("saved-offline")

    context.set_offline(False)
    expect(page.get_by_test_id("form-status")).to_contain_text("Đã gửi phản ánh đã lưu", timeout=15000)
    shot("sent-when-online")
    assert page.evaluate("CdsDrafts.all().then(d => d.length)") == 0
    # Going offline and back again sends nothing more; a replay of the same key finds the same report.
    context.set_offline(True)
    context.set_offline(False)
    page.wait_for_timeout(1500)
    mine = page.request.get(platform.url("/phan-anh/cua-toi")).text()
    assert mine.count(description[:40]) == 1
    page.get_by_test_id("sent-link").click()
    expect(page.get_by_test_id("sent-code")).to_be_visible()  # the confirmation, as after an online send
    page.get_by_test_id("sent-follow").click()
    expect(page.get_by_test_id("report-description")).to_have_text(description)
    expect(page.locator(".photos img")).to_have_count(1)
