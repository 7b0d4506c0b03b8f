"""Issue 12, online submission, in Chromium: a level-2 resident finds "Đăng ký khai sinh" by searching without
diacritics, applies online (the case and the ward, the documents — a PDF with JavaScript is refused with its
reason — review, declaration), and gets the dossier's code; an officer of the receiving ward accepts it and asks for
a document; the resident uploads it; the officer processes it, finishes it and returns the result. The resident
sees every status on the dossier's page and in "Việc của tôi", gets a notification, prints the receipt and rates
the service. Screenshots at 390 px and 1280 px in e2e/artifacts/, axe-core on every new page."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Platform, Shots, assert_accessible, sign_in_new_staff, wait_until

RESIDENT = "Võ Quốc Bảo"  # level 2 in the development VNeID
WARD = "Phường Sài Gòn"
WARD_AGENCY = "UBND-26740"
PASSWORD = "Canbo-mot-cua-2026!"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _pdf(javascript: bool = False) -> bytes:
    from congdanso.testing import documents

    return documents.pdf(pages=2, javascript=javascript)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (240, 236, 220)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def file(name: str, mime: str, data: bytes) -> dict[str, object]:
    return {"name": name, "mimeType": mime, "buffer": data}


@pytest.fixture(scope="module")
def catalogue(platform: Platform) -> Platform:
    platform.manage("import_procedures", "--bundled", "--no-progress")  # as `make run` does (idempotent)
    return platform


def both_widths(page: Page, shot: Shots, step: str, *, back_to: dict[str, int] = PHONE) -> None:
    """The current page at 390 px and 1280 px, each checked with axe-core."""
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        shot(f"{step}-{label}")
        assert_accessible(page)
    page.set_viewport_size(back_to)


def sees_status(page: Page, platform: Platform, code: str, status: str) -> None:
    """The applicant's dossier page and "Việc của tôi" both show the status."""
    page.goto(platform.url(f"/ho-so/{code}"))
    expect(page.get_by_test_id("dossier-status")).to_have_text(status)
    page.goto(platform.url("/viec-cua-toi?loai=dossier"))
    expect(page.get_by_test_id("my-cases").locator("li", has_text=code)).to_contain_text(status)


def officer_does(page: Page, platform: Platform, code: str, action: str, message: str = "") -> None:
    page.goto(platform.url(f"/backoffice/ho-so/{code}"))
    button = page.get_by_test_id(f"act-{action}")
    if not button.is_visible():
        page.locator("summary", has_text="Thao tác khác").click()
    if message:
        page.locator(f"#m-{action}").fill(message)
    button.click()
    expect(page.locator(".messages")).to_contain_text(f"Đã cập nhật hồ sơ {code}")


def test_a_resident_applies_online_and_follows_the_dossier_to_its_result(
        catalogue: Platform, browser: Browser, page: Page, shot: Shots) -> None:
    platform = catalogue
    page.set_viewport_size(PHONE)
    # Find the procedure without diacritics and open it.
    page.goto(platform.url("/thu-tuc/"))
    page.get_by_label("Tên thủ tục hoặc từ khóa").fill("dang ky khai sinh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.get_by_test_id("procedure-results").locator(".procedure-name").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký khai sinh")
    expect(page.get_by_test_id("submit-portal")).to_be_visible()  # the national portal stays offered
    page.get_by_test_id("submit-online").click()

    # Applying needs a VNeID login: level 2, name and ID number from the account.
    page.get_by_role("button", name=RESIDENT).click()
    page.wait_for_url(re.compile(r"/ho-so/nop/1\.001193$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông tin hồ sơ")
    expect(page.get_by_test_id("applicant")).to_contain_text(RESIDENT)
    expect(page.get_by_test_id("applicant")).to_contain_text("6789")  # masked: only the last 4 digits
    both_widths(page, shot, "form-empty")

    # Nothing chosen: every problem at once, the summary takes the focus and links to the fields.
    page.get_by_test_id("choices-continue").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Hãy chọn trường hợp của bạn.")
    expect(summary).to_contain_text("Hãy chọn phường, xã, đặc khu nhận hồ sơ.")
    wait_until(page, "document.activeElement && document.activeElement.id === 'error-summary'")
    expect(page.locator("#f-unit")).to_have_attribute("aria-invalid", "true")
    both_widths(page, shot, "form-choices-errors")
    page.get_by_label("Đăng ký khai sinh đúng hạn").check()
    page.get_by_label("Phường, xã, đặc khu nhận hồ sơ").select_option(label=WARD)
    page.get_by_test_id("choices-continue").click()

    # The documents of that case, one upload each; a PDF with JavaScript is refused, nothing of it is kept.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tải lên giấy tờ")
    expect(page.get_by_text("Giấy tờ có dấu * là bắt buộc.")).to_be_visible()
    both_widths(page, shot, "form-documents-empty")
    declaration = page.get_by_label("Tờ khai đăng ký khai sinh")
    birth_paper = page.get_by_label("Giấy chứng sinh do cơ sở y tế cấp")
    declaration.set_input_files(file("to-khai.pdf", "application/pdf", _pdf(javascript=True)))
    birth_paper.set_input_files(file("giay-chung-sinh.jpg", "image/jpeg", _jpeg()))
    page.get_by_test_id("documents-continue").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("có chứa mã JavaScript")
    expect(page.get_by_test_id("files-again")).to_be_visible()
    expect(page.get_by_label("Tờ khai đăng ký khai sinh")).to_have_attribute("aria-invalid", "true")
    both_widths(page, shot, "form-documents-errors")
    page.get_by_label("Tờ khai đăng ký khai sinh").set_input_files(
        file("to-khai.pdf", "application/pdf", _pdf()))
    page.get_by_label("Giấy chứng sinh do cơ sở y tế cấp").set_input_files(
        file("giay-chung-sinh.jpg", "image/jpeg", _jpeg()))
    page.get_by_test_id("documents-save").click()  # the draft keeps them
    expect(page.get_by_test_id("doc-uploaded")).to_have_count(2)
    both_widths(page, shot, "form-documents-filled")
    page.get_by_test_id("documents-continue").click()

    # Review, declare, submit.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra và nộp hồ sơ")
    expect(page.get_by_test_id("review-agency")).to_contain_text(WARD)
    expect(page.get_by_test_id("review-documents")).to_contain_text("to-khai.pdf")
    both_widths(page, shot, "form-review")
    page.get_by_test_id("declare").check()
    page.get_by_test_id("submit-dossier").click()
    code = page.get_by_test_id("submitted-code").inner_text().strip()
    assert re.fullmatch(rf"{WARD_AGENCY}-\d{{6}}-\d{{4}}", code), code
    both_widths(page, shot, "confirmation")
    page.get_by_test_id("submitted-dossier").click()
    expect(page.get_by_test_id("dossier-status")).to_have_text("Mới đăng ký")
    expect(page.get_by_test_id("dossier-files")).to_contain_text("Tờ khai đăng ký khai sinh")
    sees_status(page, platform, code, "Mới đăng ký")

    # An officer of the receiving ward: the dossier with its documents, accept, ask for a document.
    staff_context = browser.new_context(locale="vi-VN", viewport=DESKTOP)
    officer = staff_context.new_page()
    staff_shot = Shots(officer, "online-dossier-officer")
    try:
        sign_in_new_staff(officer, platform, "/backoffice/ho-so/", "e2e.motcua.saigon", "Lê Thị Một Cửa",
                          PASSWORD, "agency_officer", agency=WARD_AGENCY)
        expect(officer.get_by_test_id("dossier-list")).to_contain_text(code)
        officer.get_by_role("link", name=code).click()
        files = officer.get_by_test_id("staff-files")
        expect(files.get_by_test_id("file-link")).to_have_count(2)
        both_widths(officer, staff_shot, "staff-files", back_to=DESKTOP)
        with officer.expect_download() as download:
            files.get_by_test_id("file-link").first.click()
        assert download.value.suggested_filename == "to-khai.pdf"
        officer_does(officer, platform, code, "accept")
        sees_status(page, platform, code, "Được tiếp nhận")
        officer_does(officer, platform, code, "request_supplement",
                     "Bổ sung bản sao giấy chứng nhận kết hôn của cha mẹ.")

        # The resident answers the request with the missing document.
        sees_status(page, platform, code, "Yêu cầu bổ sung giấy tờ")
        page.goto(platform.url(f"/ho-so/{code}"))
        expect(page.get_by_test_id("supplement-request")).to_contain_text("giấy chứng nhận kết hôn")
        page.get_by_test_id("supplement").scroll_into_view_if_needed()
        both_widths(page, shot, "supplement")
        page.get_by_label("Giấy tờ bổ sung").set_input_files(
            file("ket-hon.pdf", "application/pdf", _pdf()))
        page.get_by_test_id("supplement-submit").click()
        expect(page.locator(".messages")).to_contain_text("Đã gửi giấy tờ bổ sung")
        expect(page.get_by_test_id("dossier-files")).to_contain_text("ket-hon.pdf")
        sees_status(page, platform, code, "Được tiếp nhận")

        # The officer sees the new document, processes, finishes and returns the result.
        officer.goto(platform.url(f"/backoffice/ho-so/{code}"))
        expect(officer.get_by_test_id("staff-files")).to_contain_text("ket-hon.pdf")
        officer_does(officer, platform, code, "process")
        sees_status(page, platform, code, "Đang xử lý")
        officer_does(officer, platform, code, "finish")
        sees_status(page, platform, code, "Đã xử lý xong")
        # The result goes back with its electronic copy attached.
        officer.goto(platform.url(f"/backoffice/ho-so/{code}"))
        officer.locator("#m-return").fill("Giấy khai sinh bản chính đã trả tại Bộ phận Một cửa.")
        officer.get_by_test_id("result-files").set_input_files([file("giay-khai-sinh.pdf", "application/pdf",
                                                                     _pdf())])
        both_widths(officer, staff_shot, "staff-return-result", back_to=DESKTOP)
        officer.get_by_test_id("act-return").click()
        expect(officer.locator(".messages")).to_contain_text(f"Đã cập nhật hồ sơ {code}")
        sees_status(page, platform, code, "Đã trả kết quả")
        page.goto(platform.url(f"/ho-so/{code}"))
        expect(page.get_by_test_id("dossier-files")).to_contain_text("giay-khai-sinh.pdf")
        both_widths(page, shot, "result-returned")
    finally:
        staff_context.close()

    # A notification in the inbox (the worker delivers it within seconds).
    page.goto(platform.url("/notifications/"))
    for _ in range(60):
        if code in page.locator("main").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_test_id("inbox-list")).to_contain_text(code)

    # The receipt, to print (and as a PDF), then the rating.
    page.goto(platform.url(f"/ho-so/{code}/bien-nhan"))
    expect(page.get_by_test_id("receipt-code")).to_have_text(code)
    expect(page.get_by_test_id("receipt")).to_contain_text("Tờ khai đăng ký khai sinh")
    pdf = page.request.get(platform.url(f"/ho-so/{code}/bien-nhan?pdf=1"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    page.goto(platform.url(f"/ho-so/{code}"))
    page.get_by_test_id("rate-link").click()
    for n in range(1, 10):
        page.locator(f"input[name=c{n}][value='2']").check()
    page.locator("input[name=satisfaction][value=very_satisfied]").check()
    page.get_by_test_id("rating-submit").click()
    expect(page.locator(".messages")).to_contain_text("Cảm ơn bạn đã đánh giá")
    expect(page.get_by_test_id("rate-link")).to_have_count(0)
