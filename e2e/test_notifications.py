"""A resident turns on Web Push in Chromium, a staff member sends them a notice from the back office, the push
reaches the service worker and the unread badge in the header updates without a reload.

Chromium cannot reach a real push service here (no network, no FCM), so ``PushManager.subscribe`` is the one piece
replaced: it hands back a subscription whose endpoint is a local push service in this test process, with keys the
test holds. Everything else is real: the permission granted to the browser context, the button, the POST of the
subscription, the worker encrypting (RFC 8291) and signing (VAPID), the push service decrypting it with the
subscription's private key, and the service worker receiving the decrypted message (DevTools' deliverPushMessage,
what a push service does) and showing it.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from congdanso.notifications.tests.pushservice import PushService
from e2e.conftest import Platform, Shots, assert_accessible, sign_in_new_staff, wait_until

PASSWORD = "Canbo-thong-bao-2026!"
RESIDENT = "Trần Thị Bích Ngọc"
RESIDENT_ID = "079190004567"
RESIDENT_MASKED = "T. T. B. Ngọc"  # what the sender sees before confirming

STUB = """
(() => {
  const stub = %s;
  let current = null;
  const make = () => ({
    endpoint: stub.endpoint, expirationTime: null, options: {userVisibleOnly: true},
    toJSON() { return {endpoint: stub.endpoint, expirationTime: null, keys: stub.keys}; },
    unsubscribe() { current = null; return Promise.resolve(true); },
  });
  if (self.PushManager) {
    PushManager.prototype.subscribe = function (options) {
      const key = new Uint8Array(options.applicationServerKey);
      self.__applicationServerKey = btoa(String.fromCharCode(...key))
        .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
      current = make();
      return Promise.resolve(current);
    };
    PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
  }
})();
"""


def staff_sends_notice(browser: Browser, platform: Platform, shot_dir: Shots) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    sign_in_new_staff(page, platform, "/notifications/staff/announce", "e2e.thongbao", "Lý Thu Hà", PASSWORD,
                      "city_admin")
    expect(page.get_by_role("heading", name="Gửi thông báo cho người dân")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Số định danh cá nhân hoặc tên đăng nhập của người dân").fill(RESIDENT_ID)
    page.get_by_label("Lý do gửi (được ghi vào nhật ký kiểm toán)").fill("Thông báo lịch cắt nước của khu phố 3")
    page.get_by_label("Tiêu đề").fill("Lịch cắt nước khu phố 3")
    page.get_by_label("Nội dung").fill("Thứ bảy từ 8h đến 12h, đường Lê Lợi tạm ngưng cấp nước.")
    page.get_by_label("Liên kết (không bắt buộc)").fill("/notifications/")
    page.get_by_role("button", name="Tra cứu và xem lại").click()
    masked = RESIDENT_MASKED
    expect(page.get_by_test_id("masked-name")).to_have_text(masked)
    assert RESIDENT not in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Gửi thông báo").click()
    expect(page.get_by_text(f"Đã gửi thông báo tới {masked}.")).to_be_visible()
    expect(page.get_by_test_id("delivery-status")).to_contain_text("Lịch cắt nước khu phố 3")
    page.screenshot(path=str(shot_dir.folder / "staff-sent.png"), full_page=True)
    context.close()
    return page


def test_resident_gets_a_push_and_the_badge_updates(platform: Platform, browser: Browser, shot: Shots) -> None:
    push = PushService().start()
    try:
        _subscriber, info = push.subscribe("/ok/ngoc-phone")
        context = browser.new_context(locale="vi-VN", viewport={"width": 412, "height": 915})
        context.grant_permissions(["notifications"], origin=platform.base_url)
        context.add_init_script(STUB % json.dumps(info))
        page: Page = context.new_page()
        shot.page = page

        page.goto(platform.url("/"))
        page.get_by_role("link", name="Đăng nhập VNeID").click()
        page.get_by_role("button", name=RESIDENT).click()
        expect(page.get_by_test_id("user-name")).to_have_text(RESIDENT)
        badge = page.get_by_test_id("inbox-badge")
        expect(badge).to_be_visible()
        # Other browser tests (in any order) follow this resident's reports: start from an inbox read to the end.
        page.goto(platform.url("/notifications/"))
        mark_all = page.get_by_role("button", name="Đánh dấu tất cả là đã đọc")
        if mark_all.count():
            mark_all.click()
        expect(page.get_by_test_id("unread-count")).to_be_hidden()

        page.goto(platform.url("/notifications/preferences"))
        expect(page.get_by_role("heading", name="Tuỳ chọn thông báo")).to_be_visible()
        wait_until(page, "document.documentElement.dataset.swRegistered === '1'", timeout=10)
        assert page.evaluate("Notification.permission") == "granted"
        assert page.evaluate("self.__applicationServerKey === undefined"), "nothing subscribes before the click"
        shot("preferences")
        assert_accessible(page)
        page.get_by_test_id("push-enable").click()
        expect(page.get_by_test_id("push-status")).to_have_text("Đã bật thông báo đẩy trên thiết bị này.")
        public_key = page.request.get(platform.url("/api/v1/push/public-key")).json()["public_key"]
        assert page.evaluate("self.__applicationServerKey") == public_key
        shot("push-enabled")

        # The service worker's registration, to hand it the push the way a push service would.
        cdp = context.new_cdp_session(page)
        registrations: list[str] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated",
               lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]
                                                  if not r["isDeleted"]))
        cdp.send("ServiceWorker.enable")
        page.goto(platform.url("/"))
        deadline = time.monotonic() + 10
        while not registrations and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert registrations, "the service worker is registered"

        staff_sends_notice(browser, platform, shot)

        deadline = time.monotonic() + 30
        while not push.messages() and time.monotonic() < deadline:
            time.sleep(0.2)
        [message] = push.messages()
        assert not [r.error for r in push.received if r.error]
        assert push.received[0].vapid["_key"] == public_key
        assert message["title"] == "Lịch cắt nước khu phố 3"
        # Delivered to the service worker: it shows the notification, confirms receipt and tells the page.
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": platform.base_url, "registrationId": registrations[-1],
            "data": json.dumps(message, ensure_ascii=False)})
        expect(page.get_by_test_id("unread-count")).to_have_text("1", timeout=10000)
        shot("badge-updated")

        page.get_by_test_id("inbox-badge").click()
        expect(page.get_by_role("heading", name="Thông báo")).to_be_visible()
        expect(page.get_by_test_id("inbox-list")).to_contain_text("Lịch cắt nước khu phố 3")
        expect(page.get_by_test_id("inbox-list")).to_contain_text("đường Lê Lợi tạm ngưng cấp nước")
        shot("inbox")
        assert_accessible(page)
        # Opening it is a POST (the inbox item is a form button): a GET of a notification changes nothing.
        page.get_by_role("button", name=re.compile("Lịch cắt nước khu phố 3")).click()
        expect(page.get_by_test_id("unread-count")).to_be_hidden()

        # The receipt the service worker posted marks the push delivered.
        deliveries = json.loads(platform.manage("shell", "-c", (
            "import json; from congdanso.notifications.models import Delivery; "
            "print(json.dumps(list(Delivery.objects.values_list('channel', 'status'))))")).strip().splitlines()[-1])
        assert ["webpush", "delivered"] in deliveries

        # Logging out forgets this device's subscription.
        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("link", name="Đăng nhập VNeID")).to_be_visible()
        left = platform.manage("shell", "-c", (
            "from congdanso.notifications.models import PushSubscription; "
            "print(PushSubscription.objects.count())")).strip().splitlines()[-1]
        assert left == "0"
        context.close()
    finally:
        push.stop()


# What the browser says about notifications (an outside input, like the push service): its permission state and
# the answer to the prompt, or no Push API at all.
PERMISSION = """
(() => {
  if (%(unsupported)s) { delete window.PushManager; return; }
  Object.defineProperty(Notification, "permission", {get: () => %(state)s, configurable: true});
  Notification.requestPermission = () => Promise.resolve(%(answer)s);
})();
"""


@pytest.mark.parametrize(("case", "unsupported", "state", "answer", "says", "button"), [
    ("blocked-before", False, "denied", "denied", "đang bị chặn", "disabled"),
    ("prompt-closed", False, "default", "default", "Bạn chưa cho phép", "enabled"),
    ("no-push-api", True, "default", "default", "không có thông báo đẩy", "hidden"),
])
def test_push_says_what_the_browser_allows_and_never_claims_a_block_that_did_not_happen(
        platform: Platform, browser: Browser, case: str, unsupported: bool, state: str, answer: str, says: str,
        button: str) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    context.add_init_script(PERMISSION % {"unsupported": json.dumps(unsupported), "state": json.dumps(state),
                                          "answer": json.dumps(answer)})
    page = context.new_page()
    shot = Shots(page, f"push-{case}")
    page.goto(platform.url("/"))
    page.get_by_role("link", name="Đăng nhập VNeID").click()
    page.get_by_role("button", name="Võ Quốc Bảo").click()
    page.goto(platform.url("/notifications/preferences"))
    enable = page.get_by_test_id("push-enable")
    status = page.get_by_test_id("push-status")
    if case == "prompt-closed":
        expect(status).to_be_empty()  # nothing is claimed before the resident asks
        enable.click()
    expect(status).to_contain_text(says)
    if case != "blocked-before":
        expect(status).not_to_contain_text("chặn")
    expect(status).to_have_class(re.compile(r"\bmessage\b"))
    if button == "hidden":
        expect(enable).to_be_hidden()
    elif button == "disabled":
        expect(enable).to_be_disabled()
    else:
        expect(enable).to_be_enabled()
    shot("390")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    shot("desktop")
    context.close()
