"""Issue 11, point 15: hotline entry. The officer places the report by ward and street (or a pin), types the caller's
number (checked and kept in one form) and asks whether the caller wants SMS; with consent, recorded with the officer
who asked, the caller — who has no account — is texted the tracking code and each change of status through the
notification deliveries; without consent or without a number, nothing is sent. The officer then reads the code out."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from congdanso.accounts.roles import Role
from congdanso.core import audit
from congdanso.core.models import AuditEntry
from congdanso.notifications import kinds
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification
from congdanso.reports import services
from congdanso.reports.errors import NotAllowed, ReportError, ReportInvalid
from congdanso.reports.models import Report
from congdanso.reports.states import Status
from congdanso.testing.factories import drain, make_due, make_input, make_staff, photo, staff_client

pytestmark = pytest.mark.django_db

CALLER = "0912 345 678"


def call(category, ward, **overrides):
    """What the officer typed for a caller: ward and street, no pin."""
    values = {"lat": None, "lon": None, "ward": ward.code, "address": "Trước số 25 Lê Lợi", "channel": "hotline",
              "contact_name": "Bà Tư", "contact_phone": CALLER}
    values.update(overrides)
    return make_input(category, **values)


def texts() -> list[Delivery]:
    return list(Delivery.objects.filter(notification__recipient__isnull=True).select_related("notification")
                .order_by("pk"))


def problems(exc: ReportError) -> dict[str, str]:
    return {getattr(p, "field", None): p.code for p in getattr(exc, "problems", [exc])}


# --- the service: place, number, consent ------------------------------------------------------------------------

def test_a_call_is_placed_by_ward_and_street_and_routed(officer, category, ward):
    report = services.record_call(call(category, ward), actor=officer).report
    assert (report.ward, report.ward_source, report.lat, report.address) == (ward, "chosen", None, "Trước số 25 Lê Lợi")
    assert report.agency is not None and report.reporter is None and report.created_by == officer
    assert report.contact_phone == "+84912345678"  # one form, however it was typed
    assert report.sms_consent_at is None
    assert not AuditEntry.objects.filter(action="report.sms_consent_recorded").exists()


def test_every_problem_of_a_call_is_told_at_once(officer):
    with pytest.raises(ReportInvalid) as caught:
        services.record_call(services.ReportInput(category="", description="", contact_phone="12345"),
                             actor=officer)
    assert problems(caught.value) == {"category": "category_required", "ward": "ward_required",
                                      "address": "address_required", "description": "description_required",
                                      "contact_phone": "bad_phone"}
    assert not Report.objects.exists()


def test_a_pin_on_the_map_needs_no_street(officer, category):
    report = services.record_call(make_input(category, address=""), actor=officer).report
    assert report.lat is not None and report.address == ""


@pytest.mark.parametrize(("phone", "consent", "code"), [
    ("", True, "sms_phone_required"),
    ("028 3823 4567", True, "sms_needs_mobile"),  # a fixed line can be called back, not texted
    ("+1 415 555 0100", False, "bad_phone"),
    ("0912", False, "bad_phone"),
])
def test_the_callers_number(officer, category, ward, phone, consent, code):
    with pytest.raises(ReportError) as caught:
        services.record_call(call(category, ward, contact_phone=phone, sms_consent=consent), actor=officer)
    assert problems(caught.value) == {"contact_phone": code}


def test_a_fixed_line_without_sms_is_kept_for_a_call_back(officer, category, ward):
    report = services.record_call(call(category, ward, contact_phone="028 3823 4567"), actor=officer).report
    assert report.contact_phone == "+842838234567" and report.sms_consent_at is None


def test_consent_is_recorded_with_the_officer_who_asked_in_the_reports_transaction(officer, category, ward,
                                                                                     monkeypatch):
    report = services.record_call(call(category, ward, sms_consent=True), actor=officer).report
    assert report.sms_consent_at is not None
    entry = AuditEntry.objects.get(action="report.sms_consent_recorded")
    assert (entry.actor, entry.object_id, entry.data["code"]) == (officer, str(report.pk), report.code)

    real = audit.record

    def failing(action, **kwargs):
        if action == "report.sms_consent_recorded":
            raise RuntimeError("audit log down")
        return real(action, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        services.record_call(call(category, ward, sms_consent=True, description="Cây đổ chắn đường"), actor=officer)
    assert Report.objects.count() == 1  # no report without its consent record, and no consent without its report


def test_only_staff_record_calls_and_no_other_door_records_consent(citizen, category, ward):
    with pytest.raises(NotAllowed):
        services.record_call(call(category, ward), actor=citizen)
    mine = services.submit_report(make_input(category, sms_consent=True, contact_phone=CALLER), actor=citizen).report
    assert mine.sms_consent_at is None


# --- the SMS: code at creation, each change of status, nothing without consent -----------------------------------

def test_with_consent_the_caller_is_texted_the_code_then_each_status(officer, category, ward, settings, capsys):
    settings.SITE_URL = "https://congdanso.example.vn"
    report = services.record_call(call(category, ward, sms_consent=True), actor=officer).report
    drain()
    (receipt,) = texts()
    assert (receipt.channel, receipt.status, receipt.notification.kind) == ("sms", DeliveryStatus.SENT,
                                                                            "caller_receipt")
    assert (receipt.notification.object_type, receipt.notification.object_id) == ("reports.report", str(report.pk))
    sent = capsys.readouterr().out
    assert f"[SMS to +84912345678] Đã ghi nhận phản ánh {report.code}: Cảm ơn bạn đã phản ánh qua Đường dây nóng " \
           f"1022." in sent
    assert sent.strip().endswith(f"https://congdanso.example.vn/phan-anh/{report.code}")
    assert not Notification.objects.filter(recipient__isnull=True).exclude(kind__startswith="caller_").exists()

    services.receive_report(report, actor=officer)
    drain()
    update = texts()[-1]
    assert (update.notification.kind, update.status) == ("caller_update", DeliveryStatus.QUEUED)  # waits a moment
    make_due()
    drain()
    update.refresh_from_db()
    assert update.status == DeliveryStatus.SENT
    assert f"[SMS to +84912345678] Phản ánh {report.code}: Đã tiếp nhận" in capsys.readouterr().out


def test_three_changes_in_a_minute_are_one_text_with_the_latest_status(officer, category, ward, capsys):
    report = services.record_call(call(category, ward, sms_consent=True), actor=officer).report
    drain()
    services.receive_report(report, actor=officer)
    services.start_report(report, actor=officer)
    services.post_progress(report, actor=officer, message="Đội thi công đã đến.")  # no change of status: no text
    drain()
    updates = [d for d in texts() if d.notification.kind == "caller_update"]
    assert len(updates) == 1 and updates[0].notification.group_count == 2
    assert updates[0].notification.title == f"Phản ánh {report.code}: {Status.IN_PROGRESS.label}"
    services.resolve_report(report, actor=officer, note="Đã vá ổ gà và trải nhựa lại.", photos=[photo()])
    drain()  # still waiting: the result replaces its text
    assert len([d for d in texts() if d.notification.kind == "caller_update"]) == 1
    make_due()
    drain()
    out = capsys.readouterr().out
    assert out.count(f"[SMS to +84912345678] Phản ánh {report.code}:") == 1
    assert f"Phản ánh {report.code}: Đã xử lý xong: Kết quả: Đã vá ổ gà và trải nhựa lại. Theo dõi tại" in out


@pytest.mark.parametrize("phone", ["", CALLER])
def test_without_consent_or_number_nothing_is_texted(officer, category, ward, phone, capsys):
    report = services.record_call(call(category, ward, contact_phone=phone), actor=officer).report
    drain()
    services.receive_report(report, actor=officer)
    make_due()
    drain()
    assert texts() == [] and not Delivery.objects.filter(channel="sms").exists()
    assert "[SMS to" not in capsys.readouterr().out


def test_the_number_is_read_when_the_text_is_sent(officer, category, ward, capsys):
    report = services.record_call(call(category, ward, sms_consent=True), actor=officer).report
    Report.objects.filter(pk=report.pk).update(contact_phone="")  # erased before the worker ran
    drain()
    (receipt,) = texts()
    assert receipt.status == DeliveryStatus.FAILED and receipt.last_error == "no phone number"
    assert "[SMS to" not in capsys.readouterr().out


def test_a_residents_own_report_is_never_texted_as_a_call(citizen, officer, category):
    report = services.submit_report(make_input(category), actor=citizen).report
    Report.objects.filter(pk=report.pk).update(sms_consent_at=report.created_at, contact_phone="+84912345678")
    drain()
    services.receive_report(report, actor=officer)
    make_due()
    drain()
    assert texts() == []


def test_caller_kinds_are_never_offered_on_a_preferences_page():
    codes = {k.code for k in kinds.available(for_staff=False)} | {k.code for k in kinds.available(for_staff=True)}
    assert not codes & {"caller_receipt", "caller_update"}


# --- the pages --------------------------------------------------------------------------------------------------

def test_the_form_searches_wards_and_asks_for_consent_unticked(client, officer, category, ward, other_ward):
    page = staff_client(client, officer).get(reverse("reports_staff:on_behalf")).content.decode()
    assert re.search(r'<select id="ward" name="ward" data-combobox', page)
    assert f'<option value="{ward.code}" data-terms="Phường Sài Gòn|Sài Gòn|{ward.code}">Phường Sài Gòn</option>' \
           in page
    assert 'type="hidden" name="lat"' in page and 'inputmode="decimal"' not in page  # no coordinates typed
    consent = re.search(r'<input type="checkbox" id="sms_consent"[^>]*>', page).group(0)
    assert "checked" not in consent
    assert "Người gọi đồng ý nhận tin nhắn SMS về phản ánh này" in page
    assert 'id="use-location"' not in page  # the officer's own position means nothing here


def test_errors_are_summarised_then_shown_beside_each_field(client, officer, category):
    c = staff_client(client, officer)
    response = c.post(reverse("reports_staff:on_behalf"), {
        "channel": "hotline", "category": "", "description": "Cống nghẹt", "address": "",
        "contact_phone": "12345", "sms_consent": "1", "idempotency_key": "e1"})
    assert response.status_code == 400
    page = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert re.findall(r'href="#(\w+)"', summary) == ["category", "ward", "address", "contact_phone"]
    assert page.index("error-summary") < page.index("<h1>")
    assert re.search(r'<select id="ward" name="ward" data-combobox aria-describedby="ward-help location-error" '
                     r'aria-invalid="true"', page)
    assert re.search(r'<input type="text" id="address"[^>]*aria-describedby="address-help address-error" '
                     r'aria-invalid="true"', page)
    assert re.search(r'<input type="tel" id="contact_phone"[^>]*aria-describedby="contact_phone-help '
                     r'contact_phone-error" aria-invalid="true"', page)
    assert 'id="contact_phone-error"' in page and "Số điện thoại không đúng" in page
    assert re.search(r'<input type="checkbox" id="sms_consent"[^>]*checked', page)  # the answer is kept
    assert not Report.objects.exists()


def test_the_officer_reads_the_code_from_the_confirmation(client, officer, category, ward, other_officer):
    c = staff_client(client, officer)
    response = c.post(reverse("reports_staff:on_behalf"), {
        "channel": "hotline", "category": category.code, "description": "Cống nghẹt", "ward": ward.code,
        "address": "Hẻm 12 Lê Lợi", "contact_phone": CALLER, "sms_consent": "1", "idempotency_key": "c1"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports_staff:call_recorded", args=[report.pk])
    page = c.get(response["Location"]).content.decode()
    assert f'data-testid="call-code" aria-describedby="code-label">{report.code}</strong>' in page
    assert "kết thúc bằng <strong>678</strong>" in page and "0912345678" not in page
    # Sent again (a double click): the same report, the same confirmation.
    again = c.post(reverse("reports_staff:on_behalf"), {
        "channel": "hotline", "category": category.code, "description": "Cống nghẹt", "ward": ward.code,
        "address": "Hẻm 12 Lê Lợi", "contact_phone": CALLER, "sms_consent": "1", "idempotency_key": "c1"})
    assert again["Location"] == response["Location"] and Report.objects.count() == 1
    # A colleague of the agency handling it is sent to the case page; an officer of another agency gets a 404.
    client.logout()
    colleague = make_staff("lan.sxd", "Ngô Thị Lan", [(Role.AGENCY_OFFICER, report.agency)])
    seen = staff_client(client, colleague).get(reverse("reports_staff:call_recorded", args=[report.pk]))
    assert seen.status_code == 302 and seen["Location"] == reverse("reports_staff:detail", args=[report.pk])
    client.logout()
    other = staff_client(client, other_officer).get(reverse("reports_staff:call_recorded", args=[report.pk]))
    assert other.status_code == 404


def test_without_consent_the_confirmation_says_to_read_the_code(client, officer, category, ward):
    c = staff_client(client, officer)
    report = services.record_call(call(category, ward), actor=officer).report
    page = c.get(reverse("reports_staff:call_recorded", args=[report.pk])).content.decode()
    assert "Người gọi không nhận SMS" in page and report.code in page


def test_the_delivery_status_names_the_caller_without_the_number(client, officer, category, ward):
    report = services.record_call(call(category, ward, sms_consent=True), actor=officer).report
    drain()
    page = staff_client(client, officer).get(
        reverse("notifications:staff_deliveries", args=["reports.report", report.pk])).content.decode()
    assert "Người gọi đường dây nóng (SMS)" in page and "Người gọi đường dây nóng nhận tin nhắn SMS (đã đồng ý)" in page
    assert "912345678" not in page


def test_an_officer_of_another_agency_cannot_open_an_unknown_confirmation(client, officer):
    assert staff_client(client, officer).get(reverse("reports_staff:call_recorded", args=[999])).status_code == 404


def test_any_staff_member_may_record_a_call(category, ward):
    clerk = make_staff("tongdai", "Đỗ Văn Hùng", [])
    assert services.record_call(call(category, ward), actor=clerk).report.created_by == clerk
