"""Proving a notification e-mail address or phone number with a one-time code (issue 11, point 9): the services.

The code goes out through the e-mail backend and the SMS gateway the channels use; only keyed hashes are stored;
it expires, is voided after five wrong codes, cannot be re-sent within a minute or more than five times an hour;
a changed address loses its proof; e-mail and SMS are neither chosen nor sent to before the proof."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from congdanso.core.models import AuditEntry
from congdanso.notifications import queries, services, verification
from congdanso.notifications.errors import (
    ChannelNotVerified,
    InvalidContact,
    VerificationFailed,
    VerificationLimited,
    VerificationNotSent,
)
from congdanso.notifications.models import ContactVerification, Delivery, DeliveryStatus, Preference
from congdanso.notifications.tests.test_email_sms import Gateway, free_port
from congdanso.testing.factories import drain, make_citizen, verified_contact

pytestmark = pytest.mark.django_db
CODE_RE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def last_code() -> str:
    return CODE_RE.search(mail.outbox[-1].body).group(1)


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def send(user, address: str | None = "lan@example.vn", channel: str = "email") -> ContactVerification:
    return services.send_verification_code(user, channel, address, actor=user)


def age(user, channel: str = "email", seconds: int = 61) -> None:
    """Pretend the last code went out ``seconds`` ago (the resend wait is over)."""
    ContactVerification.objects.filter(user=user, channel=channel).update(
        sent_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_the_code_is_mailed_and_only_keyed_hashes_are_stored(citizen) -> None:
    row = send(citizen, "  Lan.Nguyen@Example.VN ")
    [message] = mail.outbox
    code = last_code()
    assert message.to == ["Lan.Nguyen@example.vn"], "domain in lower case, spaces trimmed"
    assert code in message.subject and "10 phút" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    pref = Preference.objects.get(user=citizen)
    assert pref.email == "Lan.Nguyen@example.vn" and pref.email_verified_at is None
    row.refresh_from_db()
    assert len(row.code_hash) == 64 and code not in row.code_hash and row.attempts == 0
    assert row.expires_at - row.sent_at == dt.timedelta(minutes=10)
    stored = [str(v) for v in ContactVerification.objects.values_list(
        "address_hash", "code_hash", "attempts", "channel").get()]
    assert not any(code in value or "example" in value for value in stored), "neither the code nor the address"
    audit = AuditEntry.objects.get(action="notifications.contact_code_sent")
    assert audit.data == {"channel": "email"} and audit.actor == citizen
    assert code not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_the_right_code_proves_the_address_once(citizen) -> None:
    send(citizen)
    pref = services.confirm_contact(citizen, "email", f" {last_code()[:3]} {last_code()[3:]} ", actor=citizen)
    assert pref.email_verified_at is not None
    assert not ContactVerification.objects.exists(), "a used code is gone"
    assert AuditEntry.objects.filter(action="notifications.contact_verified", actor=citizen).count() == 1
    # The form sent twice (back button, double click): no error, nothing new.
    again = services.confirm_contact(citizen, "email", last_code(), actor=citizen)
    assert again.email_verified_at == pref.email_verified_at
    with pytest.raises(VerificationFailed) as exc:
        send(citizen)
    assert exc.value.code == "already_verified" and exc.value.status == 409


def test_the_comparison_is_constant_time(citizen, monkeypatch) -> None:
    send(citizen)
    seen: list[tuple[str, str]] = []

    def spy(a, b):
        seen.append((a, b))
        return a == b

    monkeypatch.setattr(verification, "constant_time_compare", spy)
    with pytest.raises(VerificationFailed):
        services.confirm_contact(citizen, "email", other(last_code()))
    row = ContactVerification.objects.get()
    assert (row.code_hash, verification._digest(citizen.pk, "email", "lan@example.vn", other(last_code()))) in seen


def test_an_expired_code_is_refused_and_voided(citizen) -> None:
    send(citizen)
    ContactVerification.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert queries.pending_verifications(citizen) == {}, "the page no longer offers the code form"
    with pytest.raises(VerificationFailed) as exc:
        services.confirm_contact(citizen, "email", last_code())
    assert exc.value.code == "code_expired" and "hết hạn" in str(exc.value.message)
    assert not ContactVerification.objects.exists()
    assert Preference.objects.get(user=citizen).email_verified_at is None
    with pytest.raises(VerificationFailed) as exc:
        services.confirm_contact(citizen, "email", last_code())
    assert exc.value.code == "no_code" and exc.value.status == 409


def test_five_wrong_codes_void_the_code_and_each_try_is_counted(citizen) -> None:
    send(citizen)
    right = last_code()
    for tries in range(1, 5):
        with pytest.raises(VerificationFailed) as exc:
            services.confirm_contact(citizen, "email", other(right))
        assert exc.value.code == "wrong_code"
        assert f"còn {5 - tries} lần" in str(exc.value.message)
        assert ContactVerification.objects.get().attempts == tries, "counted although the service raised"
    with pytest.raises(VerificationFailed) as exc:
        services.confirm_contact(citizen, "email", other(right))
    assert exc.value.code == "too_many_attempts"
    assert not ContactVerification.objects.exists()
    assert AuditEntry.objects.filter(action="notifications.contact_code_voided").count() == 1
    with pytest.raises(VerificationFailed) as exc:
        services.confirm_contact(citizen, "email", right)
    assert exc.value.code == "no_code", "the right code no longer works either"
    assert Preference.objects.get(user=citizen).email_verified_at is None


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdef", "１２３４５６", ""])
def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(citizen, typed) -> None:
    send(citizen)
    with pytest.raises(VerificationFailed) as exc:
        services.confirm_contact(citizen, "email", typed)
    assert exc.value.code == "code_format" and "6 chữ số" in str(exc.value.message)
    assert ContactVerification.objects.get().attempts == 0


def test_resending_waits_a_minute_and_stops_after_five_an_hour(citizen) -> None:
    first = send(citizen)
    first_code = last_code()
    with pytest.raises(VerificationLimited) as exc:
        send(citizen)
    assert exc.value.status == 429 and exc.value.code == "resend_too_soon" and "giây" in str(exc.value.message)
    assert len(mail.outbox) == 1
    age(citizen)
    second = send(citizen, None)  # "send again": the address on file
    assert second.pk == first.pk and len(mail.outbox) == 2 and mail.outbox[-1].to == ["lan@example.vn"]
    if last_code() != first_code:
        with pytest.raises(VerificationFailed):
            services.confirm_contact(citizen, "email", first_code)  # a new code replaces the old one
    for _ in range(3):
        age(citizen)
        send(citizen, None)
    assert len(mail.outbox) == 5
    age(citizen)
    with pytest.raises(VerificationLimited) as exc:
        send(citizen, None)
    assert exc.value.code == "too_many_codes" and len(mail.outbox) == 5
    # SMS counts against the same hourly limit per person.
    with pytest.raises(VerificationLimited):
        send(citizen, "0901234567", "sms")


def test_one_address_gets_at_most_five_codes_an_hour_whoever_asks(citizen) -> None:
    for n in range(5):
        send(make_citizen(username=f"oidc-{n}", subject=f"s-{n}"), "0901234567", "sms")
    with pytest.raises(VerificationLimited) as exc:
        send(citizen, "0901 234 567", "sms")
    assert exc.value.code == "too_many_codes"


def test_changing_the_address_clears_its_proof_its_code_and_its_choices(citizen) -> None:
    verified_contact(citizen, email="lan@example.vn", phone="0901234567")
    services.update_preferences(citizen, channels_by_kind={"report_status": ["webpush", "email", "sms"]},
                                quiet_start=None, quiet_end=None)
    # The same address written differently is not a change.
    services.update_preferences(citizen, channels_by_kind={"report_status": ["webpush", "email", "sms"]},
                                quiet_start=None, quiet_end=None, email="lan@EXAMPLE.vn", phone="0901.234.567")
    pref = Preference.objects.get(user=citizen)
    assert pref.email_verified_at and pref.phone_verified_at
    # A new e-mail address: its proof is gone, and so is the e-mail choice (it was made for the old address).
    with pytest.raises(ChannelNotVerified) as exc:
        services.update_preferences(citizen, channels_by_kind={"report_status": ["webpush", "email", "sms"]},
                                    quiet_start=None, quiet_end=None, email="lan.moi@example.vn")
    assert exc.value.channels == ["email"]
    services.update_preferences(citizen, channels_by_kind={"report_status": ["webpush", "sms"]},
                                quiet_start=None, quiet_end=None, email="lan.moi@example.vn")
    pref.refresh_from_db()
    assert pref.email == "lan.moi@example.vn" and pref.email_verified_at is None and pref.phone_verified_at
    # Through the verification form: a pending code is voided when the number changes again.
    send(citizen, "0912345678", "sms")
    pref.refresh_from_db()
    assert pref.phone == "0912345678" and pref.phone_verified_at is None
    assert pref.channels["report_status"] == ["webpush"], "the SMS choice went with the old number"
    assert ContactVerification.objects.filter(channel="sms").exists()
    services.update_preferences(citizen, channels_by_kind={}, quiet_start=None, quiet_end=None, phone="0987654321")
    assert not ContactVerification.objects.filter(channel="sms").exists()
    assert AuditEntry.objects.filter(action="notifications.contact_changed").count() >= 1


def test_removing_an_address(citizen) -> None:
    verified_contact(citizen, email="lan@example.vn")
    services.update_preferences(citizen, channels_by_kind={"report_status": ["email"]}, quiet_start=None,
                                quiet_end=None)
    pref = services.remove_contact(citizen, "email", actor=citizen)
    assert pref.email == "" and pref.email_verified_at is None and pref.channels["report_status"] == []
    assert services.remove_contact(make_citizen(username="oidc-x", subject="x"), "sms") is None


def test_email_and_sms_cannot_be_chosen_before_the_proof(citizen) -> None:
    Preference.objects.create(user=citizen, email="lan@example.vn", phone="0901234567")
    with pytest.raises(ChannelNotVerified) as exc:
        services.update_preferences(citizen, channels_by_kind={"report_status": ["email"], "announcement": ["sms"]},
                                    quiet_start=None, quiet_end=None)
    assert exc.value.channels == ["email", "sms"] and exc.value.status == 400
    assert Preference.objects.get(user=citizen).channels == {}, "nothing saved"
    send(citizen, None)
    services.confirm_contact(citizen, "email", last_code())
    services.update_preferences(citizen, channels_by_kind={"report_status": ["email"]}, quiet_start=None,
                                quiet_end=None)
    assert Preference.objects.get(user=citizen).channels == {"report_status": ["email"]}


def test_notices_go_only_to_a_proved_address(citizen) -> None:
    """An address typed but not proved may be someone else's: nothing is sent there, even for kinds whose default
    channels include e-mail; once proved, it is used; changed after a notice was queued, that notice is not sent
    to the new, unproved address."""
    Preference.objects.create(user=citizen, email="lan@example.vn", phone="0901234567")
    with transaction.atomic():
        services.notify([citizen], "report_result", {"code": "PA-1", "status": "Đã xử lý", "subject": "Đèn"})
    assert not Delivery.objects.filter(channel__in=["email", "sms"]).exists()
    assert queries.addresses_for([citizen.pk]) == {citizen.pk: ("", "")}
    send(citizen, None)
    services.confirm_contact(citizen, "email", last_code())
    with transaction.atomic():
        services.notify([citizen], "report_result", {"code": "PA-2", "status": "Đã xử lý", "subject": "Rác"})
    delivery = Delivery.objects.get(channel="email")
    services.update_preferences(citizen, channels_by_kind={}, quiet_start=None, quiet_end=None,
                                email="ai.do@example.vn")
    mail.outbox.clear()
    drain()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "no e-mail address" in delivery.last_error
    assert mail.outbox == []


def test_the_sms_code_goes_through_the_gateway(citizen, settings) -> None:
    gateway = Gateway()
    settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_TOKEN = "http", gateway.url, "tok-123"
    try:
        row = send(citizen, "+84 90 123 4567", "sms")
        [(headers, body)] = gateway.requests
        assert body["to"] == "+84901234567" and headers["Authorization"] == "Bearer tok-123"
        assert headers["Idempotency-Key"] == body["reference"] and body["reference"].startswith(f"cds-verify-{row.pk}-")
        code = CODE_RE.search(body["text"]).group(1)
        assert "10 phút" in body["text"]
        services.confirm_contact(citizen, "sms", code)
        assert Preference.objects.get(user=citizen).phone_verified_at is not None
    finally:
        gateway.server.shutdown()


def test_a_gateway_that_fails_leaves_no_code_pending(citizen, settings) -> None:
    gateway = Gateway(fail_first=1)
    settings.SMS_BACKEND, settings.SMS_URL = "http", gateway.url
    try:
        with pytest.raises(VerificationNotSent) as exc:
            send(citizen, "0901234567", "sms")
        assert exc.value.status == 503 and "thử lại" in str(exc.value.message)
        assert not ContactVerification.objects.exists(), "no code the resident never got"
        assert Preference.objects.get(user=citizen).phone == "0901234567", "the number itself is kept"
        send(citizen, None, "sms")  # at once: the failed attempt does not hold the resend
        assert len(gateway.requests) == 2
    finally:
        gateway.server.shutdown()


def test_a_mail_server_that_is_down_leaves_no_code_pending(citizen, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with pytest.raises(VerificationNotSent) as exc:
        send(citizen)
    assert exc.value.code == "code_not_sent"
    assert not ContactVerification.objects.exists()


@pytest.mark.parametrize(("channel", "typed", "code"), [
    ("email", "", "email_required"),
    ("email", "lan@", "email_invalid"),
    ("email", "lan example.vn", "email_invalid"),
    ("email", "a" * 250 + "@example.vn", "email_invalid"),
    ("sms", "", "phone_required"),
    ("sms", "0901-abc", "phone_invalid"),
    ("sms", "12345", "phone_invalid"),
    ("fax", "0901234567", "unknown_channel"),
])
def test_bad_addresses_are_refused_with_a_message(citizen, channel, typed, code) -> None:
    with pytest.raises(InvalidContact) as exc:
        send(citizen, typed, channel)
    assert exc.value.code == code and exc.value.status == 400 and str(exc.value.message)
    assert mail.outbox == [] and not ContactVerification.objects.exists()


def test_the_code_comes_in_the_residents_language(citizen) -> None:
    citizen.preferred_language = "en"
    citizen.save()
    send(citizen)
    [message] = mail.outbox
    assert message.subject.startswith("Công Dân Số e-mail confirmation code")
    assert "10 minutes" in message.body
