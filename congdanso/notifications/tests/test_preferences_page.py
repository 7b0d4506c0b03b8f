"""The preferences page (issue 11, point 9) without JavaScript: prove an address (enter it → "Gửi mã xác nhận" →
type the code → "Đã xác nhận"), e-mail and SMS locked until then (disabled with a hint, refused by the server with
a message beside the field), errors GOV.UK-style (a summary linking to each field, the message beside the field,
aria-invalid and aria-describedby), no wide table, only the kinds of areas the platform runs."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from congdanso.notifications.models import ContactVerification, Preference
from congdanso.testing.factories import staff_client, verified_contact

pytestmark = pytest.mark.django_db
PAGE = "/notifications/preferences"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def send_url(channel: str) -> str:
    return reverse("notifications:contact_send_code", args=[channel])


def confirm_url(channel: str) -> str:
    return reverse("notifications:contact_confirm", args=[channel])


def tag(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<(input|button|a|p|div)\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def summary_links(html: str) -> list[str]:
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'href="#([^"]+)"', box.group(0)) if box else []


def test_the_whole_flow_without_javascript(client, citizen) -> None:
    client.force_login(citizen)
    page = client.get(PAGE).content.decode()
    assert "<table" not in page, "kinds and channels are cards, not a wide table"
    assert 'class="kind-prefs"' in page
    # Locked until proved: disabled, explained, and the hint leads to the address field.
    box = tag(page, "ch-report_status-email")
    assert "disabled" in box and 'aria-describedby="lock-email"' in box
    assert tag(page, "ch-report_status-webpush").count("disabled") == 0
    assert 'href="#email-address"' in page and "chọn được sau khi bạn xác nhận" in page
    assert 'data-testid="email-send"' in page and "Gửi mã xác nhận" in page

    # 1. The address → a code is mailed, the page asks for it.
    sent = client.post(send_url("email"), {"address": "lan@example.vn"})
    assert sent.status_code == 302 and sent["Location"] == f"{PAGE}#email-code"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page = client.get(PAGE).content.decode()
    assert "Đã gửi mã xác nhận" in page and "Đã gửi mã tới" in page and "lan@example.vn" in page
    code_box = tag(page, "email-code")
    assert 'autocomplete="one-time-code"' in code_box and 'inputmode="numeric"' in code_box
    assert "disabled" in tag(page, "ch-report_status-email"), "still locked while the code waits"
    assert 'href="#email-code"' in page, "the hint now leads to the code field"

    # 2. A wrong code: 400, a summary linking to the field, the message beside it, the field marked.
    wrong = client.post(confirm_url("email"), {"code": f"{(int(code) + 1) % 10**6:06d}"})
    html = wrong.content.decode()
    assert wrong.status_code == 400
    assert "<title>Lỗi:" in html
    assert summary_links(html) == ["email-code"]
    assert 'id="email-code-error"' in html and "Mã xác nhận không đúng. Bạn còn 4 lần thử." in html
    code_box = tag(html, "email-code")
    assert 'aria-invalid="true"' in code_box and "email-code-error" in code_box

    # 3. The right code → confirmed, and e-mail can be chosen.
    right = client.post(confirm_url("email"), {"code": code})
    assert right.status_code == 302 and right["Location"] == f"{PAGE}#channels"
    page = client.get(PAGE).content.decode()
    assert "Đã xác nhận địa chỉ thư điện tử" in page
    assert 'data-testid="email-state">Đã xác nhận<' in page
    assert "disabled" not in tag(page, "ch-report_status-email")
    assert "disabled" in tag(page, "ch-report_status-sms"), "SMS is still locked"
    saved = client.post(PAGE, {"ch-report_status": ["webpush", "email"], "quiet_start": "", "quiet_end": ""})
    assert saved.status_code == 302
    assert Preference.objects.get(user=citizen).channels["report_status"] == ["webpush", "email"]
    assert 'checked' in tag(client.get(PAGE).content.decode(), "ch-report_status-email")


def test_the_server_refuses_an_unproved_channel_beside_the_field(client, citizen) -> None:
    """The checkbox is disabled in the page, but a stale page or a hand-made request can still send it."""
    Preference.objects.create(user=citizen, email="lan@example.vn")
    client.force_login(citizen)
    response = client.post(PAGE, {"ch-report_status": ["webpush", "email", "sms"], "ch-announcement": ["email"]})
    html = response.content.decode()
    assert response.status_code == 400
    assert summary_links(html) == ["email-address", "sms-address"]
    assert 'id="channels-email-error"' in html and 'id="channels-sms-error"' in html
    assert "hãy xác nhận địa chỉ thư điện tử trước" in html and "hãy xác nhận số điện thoại trước" in html
    box = tag(html, "ch-report_status-email")
    assert 'aria-invalid="true"' in box and "channels-email-error" in box and "disabled" in box
    assert Preference.objects.get(user=citizen).channels == {}, "nothing saved"


def test_address_errors_are_shown_beside_the_address(client, citizen) -> None:
    client.force_login(citizen)
    bad = client.post(send_url("sms"), {"address": "09xx"})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert summary_links(html) == ["sms-address"]
    box = tag(html, "sms-address")
    assert 'aria-invalid="true"' in box and "sms-address-error" in box and 'value="09xx"' in box
    assert "Số điện thoại không hợp lệ" in html
    empty = client.post(send_url("email"), {"address": "   "})
    assert empty.status_code == 400 and "Hãy nhập địa chỉ thư điện tử" in empty.content.decode()
    control = client.post(send_url("email"), {"address": "lan\x07@example.vn"})
    assert control.status_code == 400 and "ký tự điều khiển" in control.content.decode()
    assert mail.outbox == [] and not ContactVerification.objects.exists()


def test_resending_too_soon_is_a_429_beside_the_button(client, citizen) -> None:
    client.force_login(citizen)
    assert client.post(send_url("email"), {"address": "lan@example.vn"}).status_code == 302
    again = client.post(send_url("email"))  # "Gửi lại mã": no address field, the one on file
    html = again.content.decode()
    assert again.status_code == 429
    assert summary_links(html) == ["email-resend"]
    assert 'aria-describedby="email-resend-error"' in tag(html, "email-resend")
    assert "Hãy đợi" in html and len(mail.outbox) == 1
    # The code form is still there: the code already sent still works.
    assert 'id="email-code"' in html


def test_a_code_that_is_gone_says_so_where_the_next_step_is(client, citizen) -> None:
    client.force_login(citizen)
    response = client.post(confirm_url("sms"), {"code": "123456"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Không có mã nào đang chờ" in html and summary_links(html) == ["sms-address"]


def test_changing_and_removing_a_proved_address(client, citizen) -> None:
    verified_contact(citizen, email="lan@example.vn")
    client.force_login(citizen)
    page = client.get(PAGE).content.decode()
    assert "Đổi địa chỉ thư điện tử" in page and 'data-testid="email-remove"' in page
    bad = client.post(send_url("email"), {"address": "not-an-address"}).content.decode()
    assert re.search(r"<details class=\"disclosure\" open>\s*<summary>Đổi địa chỉ thư điện tử", bad), \
        "the change form is opened to show its error"
    assert Preference.objects.get(user=citizen).email_verified_at is not None, "a refused change changes nothing"
    changed = client.post(send_url("email"), {"address": "lan.moi@example.vn"})
    assert changed.status_code == 302
    pref = Preference.objects.get(user=citizen)
    assert pref.email == "lan.moi@example.vn" and pref.email_verified_at is None
    removed = client.post(reverse("notifications:contact_remove", args=["email"]))
    assert removed.status_code == 302 and removed["Location"] == f"{PAGE}#email"
    pref.refresh_from_db()
    assert pref.email == "" and not ContactVerification.objects.exists()


def test_only_posts_only_signed_in_only_two_channels(client, citizen) -> None:
    assert client.post(send_url("email"), {"address": "lan@example.vn"})["Location"].startswith("/auth/vneid/login")
    client.force_login(citizen)
    assert client.get(send_url("email")).status_code == 405
    assert client.post(send_url("fax"), {"address": "x"}).status_code == 404
    assert client.post(confirm_url("webpush"), {"code": "123456"}).status_code == 404


def test_only_kinds_of_areas_the_platform_runs(client, citizen, officer) -> None:
    client.force_login(citizen)
    shown = kinds_on(client.get(PAGE).content.decode())
    assert shown == ["Thông báo từ chính quyền", "Phản ánh của tôi thay đổi trạng thái", "Phản ánh của tôi có kết quả",
                     "Có tin mới về nội dung tôi theo dõi"], "dossiers, feedback and alerts do not run yet"
    client.post(PAGE, {"ch-report_status": ["webpush"], "ch-dossier_status": ["webpush"]})
    assert set(Preference.objects.get(user=citizen).channels) == {
        "announcement", "report_status", "report_result", "followed_update"}, "a kind of no area is not stored"
    staff_page = staff_client(client, officer).get(PAGE).content.decode()
    assert kinds_on(staff_page) == ["Việc mới được giao", "Việc sắp hoặc đã quá hạn"]


def kinds_on(html: str) -> list[str]:
    return [re.sub(r"<.*", "", legend).strip()
            for legend in re.findall(r'<fieldset class="kind-pref">\s*<legend>(.*?)</legend>', html, re.S)]


def test_the_page_is_in_english_too(client, citizen) -> None:
    citizen.preferred_language = "en"
    citizen.save()
    client.force_login(citizen)
    page = client.get(PAGE, headers={"Accept-Language": "en"}).content.decode()
    assert "Send confirmation code" in page and "E-mail can be chosen once you confirm your address." in page
