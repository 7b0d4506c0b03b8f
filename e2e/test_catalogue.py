"""A city admin manages category questions and reply templates in the back office (phone width and desktop):
a mistake is summarised at the top and shown beside the field, the fixed form saves, the list shows it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.conftest import Platform, Shots, assert_accessible, sign_in_new_staff

PASSWORD = "Quan-tri-danh-muc-2026!"


def test_city_admin_manages_questions_and_templates(platform: Platform, page: Page, shot: Shots) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_new_staff(page, platform, "/backoffice/phan-anh/cau-hoi", "e2e.lan", "Ngô Thị Lan", PASSWORD,
                      "city_admin")
    expect(page.get_by_role("heading", name="Câu hỏi theo lĩnh vực")).to_be_visible()
    shot("questions-390")
    assert_accessible(page)

    page.get_by_role("link", name="Thêm câu hỏi").click()
    page.get_by_label("Lĩnh vực").select_option(index=1)
    page.get_by_label("Mã", exact=True).fill("so-tru-den")
    page.get_by_label("Câu hỏi").fill("Số trụ đèn gần nhất")
    page.get_by_label("Kiểu trả lời").select_option("singlevaluelist")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Kiểu danh sách cần ít nhất một lựa chọn.")
    expect(page.locator("#id_options-error")).to_be_visible()
    shot("question-error-390")
    assert_accessible(page)

    page.get_by_label("Các lựa chọn").fill("tat | Đèn tắt\nchop | Đèn chập chờn")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_test_id("questions")).to_contain_text("Số trụ đèn gần nhất")
    expect(page.get_by_test_id("questions")).to_contain_text("Đèn chập chờn")
    shot("questions-saved-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    shot("questions-saved-desktop")
    page.get_by_role("link", name="Mẫu trả lời").first.click()
    page.get_by_role("link", name="Thêm mẫu trả lời").click()
    page.get_by_label("Tiêu đề").fill("Đã vá ổ gà")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    shot("template-error-desktop")
    page.get_by_label("Nội dung trả lời").fill("Đơn vị đã vá ổ gà, cảm ơn bạn đã phản ánh.")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_test_id("templates")).to_contain_text("Đã vá ổ gà")
    shot("templates-desktop")
    assert_accessible(page)
