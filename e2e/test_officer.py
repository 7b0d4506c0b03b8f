"""Issue 11, points 7 and 13 in Chromium (phone and desktop): a resident whose case changes several times within a
minute gets one notification (and, after switching to English, English text); an editor moderates a new report
across agencies, and the public page says "đã biên tập" with the reason. Screenshots of every changed page at 390 px
and 1280 px in ``e2e/artifacts/``."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Platform, Shots, assert_accessible, sign_in_new_staff

PASSWORD = "Canbo-bien-tap-2026!"
RESIDENT = "Nguyễn Văn An"  # a resident no other browser test uses: this one switches to English
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

MAKE_REPORT = """
from congdanso.accounts.models import User
from congdanso.agencies.models import Category
from congdanso.reports import services
from congdanso.testing.factories import make_input, photo
user = User.objects.filter(full_name={name!r}, kind="citizen").first()
category = Category.objects.filter(is_active=True, default_agency__isnull=False).order_by("code").first()
r = services.submit_report(make_input(category, photos=[photo(width=320, height=240)],
                                      description={text!r}), actor=user).report
print("RESULT", r.pk, r.code, category.default_agency.code)
"""

MOVE = """
from congdanso.accounts.models import User
from congdanso.reports import services
officer = User.objects.get(username={officer!r})
r = services.get_report({pk})
for step in {steps!r}:
    if step == "receive": services.receive_report(r, actor=officer)
    if step == "start": services.start_report(r, actor=officer)
    if step == "progress": services.post_progress(r, actor=officer, message="Đội thi công đã đến hiện trường.")
"""


def make_report(platform: Platform, name: str, text: str) -> tuple[str, str, str]:
    out = platform.manage("shell", "-c", MAKE_REPORT.format(name=name, text=text))
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    _word, pk, code, agency = line.split()
    return pk, code, agency


def both_widths(page: Page, shot: Shots, step: str) -> None:
    """Screenshot the current page on a phone (390 px) and a desktop (1280 px), and check it with axe-core."""
    page.set_viewport_size(PHONE)
    shot(f"{step}-390")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    shot(f"{step}-desktop")
    page.set_viewport_size(PHONE)


def resident_signs_in(page: Page, platform: Platform) -> None:
    page.goto(platform.url("/"))
    page.get_by_role("link", name="Đăng nhập VNeID").click()
    page.get_by_role("button", name=RESIDENT).click()
    expect(page.get_by_test_id("inbox-badge")).to_be_visible()


def test_updates_within_a_minute_are_one_notification_in_the_residents_language(
        platform: Platform, browser: Browser, page: Page, shot: Shots) -> None:
    resident_signs_in(page, platform)
    pk, code, agency = make_report(platform, RESIDENT,
                                   "Cống thoát nước bị nghẹt trước nhà số 12, nước tràn lên vỉa hè.")
    platform.manage("create_staff", "e2e.canbo", "--name", "Trần Văn Hùng", "--password", PASSWORD,
                    "--role", "agency_officer", "--agency", agency)
    platform.manage("shell", "-c", MOVE.format(officer="e2e.canbo", pk=pk, steps=["receive", "start", "progress"]))
    page.goto(platform.url("/notifications/"))
    for _ in range(60):  # the worker handles the events within a few seconds; all of them end in the one entry
        page.reload()
        if "3 cập nhật" in page.locator("main").inner_text():
            break
        page.wait_for_timeout(500)
    # this report's entries (the resident may hear of other things, e.g. a dossier in another test)
    items = page.locator("[data-testid=inbox-list] li").filter(has_text=code)
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(code)
    expect(items.first.get_by_test_id("inbox-group")).to_contain_text("cập nhật gộp làm một")
    assert ".." not in items.first.inner_text() and '"' not in items.first.inner_text()
    both_widths(page, shot, "inbox-grouped")

    # English: the switcher stores the language on the account; the next update is written in English.
    page.locator("form.lang-switch button, form.lang-switch [type=submit]").first.click()
    page.goto(platform.url("/notifications/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    platform.manage("shell", "-c", MOVE.format(officer="e2e.canbo", pk=pk, steps=["progress"]).replace(
        "Đội thi công đã đến hiện trường.", "Đã thông cống xong một nửa."))
    for _ in range(40):
        page.reload()
        if f"Report {code}" in page.locator("main").inner_text():
            break
        page.wait_for_timeout(500)
    expect(page.locator("[data-testid=inbox-list] li").filter(has_text=code).first).to_contain_text(
        f"Report {code}: In progress")
    both_widths(page, shot, "inbox-english")


def test_editor_moderates_text_and_photo_and_the_public_page_says_edited(
        platform: Platform, browser: Browser, page: Page, shot: Shots) -> None:
    pk, code, _agency = make_report(platform, "", "Ổ gà lớn trước nhà, gọi tôi 0909 123 456 nếu cần.")
    sign_in_new_staff(page, platform, "/backoffice/phan-anh/bien-tap/", "e2e.bientap", "Ngô Thị Biên", PASSWORD,
                      "editor")
    expect(page.get_by_role("heading", name="Biên tập phản ánh")).to_be_visible()
    expect(page.get_by_test_id("moderation-queue")).to_contain_text(code)
    both_widths(page, shot, "moderation-queue")
    page.get_by_role("link", name=re.compile(f"Xem và biên tập {code}")).click()
    expect(page.get_by_test_id("moderation-code")).to_have_text(code)
    assert page.locator(".redact-stage").count() == 0, "no drawing canvas until asked"
    both_widths(page, shot, "moderation-detail")

    # Saving without a reason: an error summary at the top, the field marked.
    page.get_by_label("Nội dung", exact=True).fill("Ổ gà lớn trước nhà.")
    page.get_by_test_id("moderation-save").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Hãy nêu lý do.")
    expect(page.get_by_label("Lý do biên tập (hiện công khai)")).to_have_attribute("aria-invalid", "true")
    both_widths(page, shot, "moderation-error")
    page.get_by_label("Lý do biên tập (hiện công khai)").fill("Bỏ số điện thoại cá nhân")
    page.get_by_test_id("moderation-save").click()
    expect(page.get_by_text(f"Đã biên tập {code}.")).to_be_visible()

    # The photo: cover a region, asked for explicitly.
    page.goto(platform.url(f"/backoffice/phan-anh/bien-tap/{pk}"))
    page.locator("summary", has_text="Che một phần ảnh").first.click()
    expect(page.locator(".redact-stage").first).to_be_visible()
    both_widths(page, shot, "moderation-redact-open")
    page.locator("textarea[name=boxes]").first.fill("10,10,40,40")
    page.locator("input[name=reason][id^=redact-reason]").first.fill("Che biển số xe")
    page.get_by_role("button", name="Che vùng đã chọn").first.click()
    expect(page.get_by_text("Đã che vùng được chọn trên ảnh.")).to_be_visible()

    page.goto(platform.url(f"/phan-anh/{code}"))
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Đã biên tập nội dung")
    expect(timeline).to_contain_text("Bỏ số điện thoại cá nhân")
    expect(timeline).to_contain_text("Đã biên tập ảnh")
    expect(timeline).to_contain_text("Che biển số xe")
    assert "0909 123 456" not in page.content()
    shot("public-edited-390")


def test_officer_case_page_queue_and_delivery_status(platform: Platform, page: Page, shot: Shots) -> None:
    pk, code, agency = make_report(platform, RESIDENT, "Đèn đường tắt cả dãy phố.")
    sign_in_new_staff(page, platform, f"/backoffice/phan-anh/{pk}", "e2e.xuly", "Lê Thị Mai", PASSWORD,
                      "agency_officer", agency=agency)
    primary = page.get_by_test_id("primary-action")
    expect(primary.get_by_role("button", name="Tiếp nhận")).to_be_visible()
    expect(page.get_by_test_id("more-actions")).not_to_have_attribute("open", "")
    expect(page.get_by_test_id("coords")).to_have_text(re.compile(r"\(\d+\.\d{5}, \d+\.\d{5}\)"))
    expect(page.get_by_test_id("inbox-badge")).to_be_visible()  # the bell in the back office
    both_widths(page, shot, "case-new")
    primary.get_by_role("button", name="Tiếp nhận").click()
    expect(page.get_by_test_id("primary-action")).to_contain_text("Giao cho cán bộ")
    expect(page.locator("#assignee")).to_have_value("")
    both_widths(page, shot, "case-received")
    page.get_by_test_id("more-actions").locator("summary").click()
    both_widths(page, shot, "case-menu-open")
    page.get_by_test_id("deliveries-link").click()
    expect(page.get_by_test_id("deliveries-title")).to_have_text(f"Thông báo về Phản ánh {code}")
    expect(page.get_by_test_id("resident-channels")).to_contain_text("Người phản ánh nhận qua")
    both_widths(page, shot, "deliveries")
    page.goto(platform.url("/backoffice/phan-anh/"))
    both_widths(page, shot, "queue")
