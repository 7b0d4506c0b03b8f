"""Proving a notification e-mail address or phone number with a one-time code (issue 11, point 9).

E-mail and SMS notices go only to an address its owner has proved (``queries.reachable``); until then the
preferences refuse those channels. ``send_verification_code`` stores the address (a different address loses its
earlier proof, its pending code and the channel's choices), sends a 6-digit code through the same e-mail backend and
SMS gateway as the notification channels, and keeps only keyed hashes of the code and of the address, an expiry and
a count of wrong codes. ``confirm_contact`` compares in constant time and sets ``email_verified_at`` or
``phone_verified_at``. Limits: a code lives ``CODE_TTL``; a new code for the same channel at most every
``RESEND_SECONDS``; at most ``SENDS_PER_HOUR`` codes an hour per person and per address; ``MAX_ATTEMPTS`` wrong
codes void it. Views and the API call these through ``services``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import smtplib
import sys
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from congdanso.core import audit, outgoing
from congdanso.core.cache import count as count_hits
from congdanso.notifications import rendering
from congdanso.notifications.errors import (
    ChannelNotVerified,
    InvalidContact,
    VerificationFailed,
    VerificationLimited,
    VerificationNotSent,
)
from congdanso.notifications.models import Channel, ContactVerification, Preference

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=10)
RESEND_SECONDS = 60
SENDS_PER_HOUR = 5
MAX_ATTEMPTS = 5
PURGE_AFTER = dt.timedelta(days=1)  # expired rows nobody came back for are deleted by the next code sent
HASH_SALT = "congdanso.notifications.verification"
EMAIL_MAX = 254
PHONE_RE = re.compile(r"^\+?[0-9]{9,15}$")

# channel → (address field, proof field) on Preference
CONTACT_FIELDS: dict[str, tuple[str, str]] = {
    Channel.EMAIL: ("email", "email_verified_at"),
    Channel.SMS: ("phone", "phone_verified_at"),
}
NOT_VERIFIED: dict[str, Any] = {
    Channel.EMAIL: _("Chưa chọn được thư điện tử: hãy xác nhận địa chỉ thư điện tử trước, ở mục “Thư điện tử”."),
    Channel.SMS: _("Chưa chọn được tin nhắn SMS: hãy xác nhận số điện thoại trước, ở mục “Tin nhắn SMS”."),
}


def contact_channel(channel: str) -> str:
    if channel not in CONTACT_FIELDS:
        raise InvalidContact(_("Chỉ xác nhận được thư điện tử hoặc số điện thoại."), code="unknown_channel")
    return channel


def normalise_address(channel: str, raw: str | None, *, allow_blank: bool = False) -> str:
    """The address as stored and compared: an e-mail address with its domain in lower case; a phone number as
    digits (a leading + kept) without spaces, dots, dashes or brackets. Raises InvalidContact saying what is wrong."""
    value = (raw or "").strip()
    if channel == Channel.EMAIL:
        if not value:
            if allow_blank:
                return ""
            raise InvalidContact(_("Hãy nhập địa chỉ thư điện tử để nhận mã xác nhận."), code="email_required")
        try:
            if len(value) > EMAIL_MAX:
                raise ValidationError("too long")
            validate_email(value)
        except ValidationError:
            raise InvalidContact(_("Địa chỉ thư điện tử không đúng dạng. Ví dụ: ten@example.vn."),
                                 code="email_invalid") from None
        local, _at, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    compact = re.sub(r"[\s.()\-]", "", value)
    if not compact:
        if allow_blank:
            return ""
        raise InvalidContact(_("Hãy nhập số điện thoại di động để nhận mã xác nhận."), code="phone_required")
    if not PHONE_RE.match(compact):
        raise InvalidContact(_("Số điện thoại không hợp lệ: hãy nhập từ 9 đến 15 chữ số, ví dụ 0901 234 567."),
                             code="phone_invalid")
    return compact


def is_verified(pref: Preference | None, channel: str) -> bool:
    if pref is None:
        return False
    field, proof = CONTACT_FIELDS[channel]
    return bool(getattr(pref, field) and getattr(pref, proof))


def apply_contact(pref: Preference, channel: str, address: str) -> bool:
    """Put ``address`` (already normalised; "" removes it) on ``pref``. A different address loses its proof, its
    pending code and the channel's ticks (they were choices for the old address). The caller saves ``pref``, inside
    its transaction. Returns whether the address changed."""
    field, proof = CONTACT_FIELDS[channel]
    if getattr(pref, field) == address:
        return False
    setattr(pref, field, address)
    setattr(pref, proof, None)
    pref.channels = {code: [c for c in chosen if c != channel] for code, chosen in (pref.channels or {}).items()}
    if pref.pk:
        ContactVerification.objects.filter(user_id=pref.user_id, channel=channel).delete()
    return True


def check_channels(pref: Preference, channels_by_kind: dict[str, list[str]]) -> None:
    """Refuse e-mail or SMS among the choices while its address is not proved (ChannelNotVerified names them)."""
    chosen = {c for cs in channels_by_kind.values() for c in cs}
    refused = [c for c in CONTACT_FIELDS if c in chosen and not is_verified(pref, c)]
    if refused:
        raise ChannelNotVerified(" ".join(str(NOT_VERIFIED[c]) for c in refused), channels=refused)


def _digest(*parts: Any) -> str:
    """Keyed (SECRET_KEY) so that a copy of the table cannot be tried against the million possible codes."""
    return salted_hmac(HASH_SALT, "\x1f".join(str(p) for p in parts), algorithm="sha256").hexdigest()


def _contact_changed(pref: Preference, channel: str, *, actor: Any, request: Any, removed: bool) -> None:
    audit.record("notifications.contact_changed", actor=actor or pref.user, obj=pref, request=request,
                 channel=channel, removed=removed)


# --- sending a code -----------------------------------------------------------------------------------------------

def send_verification_code(user: Any, channel: str, address: str | None = None, *, actor: Any = None,
                           request: Any = None) -> ContactVerification:
    """Store ``address`` (None: the one on file) and send it a new code. Raises InvalidContact (bad or missing
    address, or the mail server or gateway refused it), VerificationFailed (already proved), VerificationLimited
    (too soon, too many) or VerificationNotSent (the mail server or gateway is down: no code is pending)."""
    channel = contact_channel(channel)
    field, proof = CONTACT_FIELDS[channel]
    now = timezone.now()
    with transaction.atomic():
        pref, _created = Preference.objects.select_for_update().get_or_create(user=user)
        if address is not None and apply_contact(pref, channel, normalise_address(channel, address)):
            pref.save()
            _contact_changed(pref, channel, actor=actor, request=request, removed=False)
        target = getattr(pref, field)
        if not target:
            normalise_address(channel, "")  # raises the "enter an address" message of this channel
        if getattr(pref, proof):
            raise VerificationFailed(_("Địa chỉ này đã được xác nhận, không cần gửi mã."), code="already_verified",
                                     status=409)
        row = ContactVerification.objects.filter(user=user, channel=channel).first()
        if row is not None and now - row.sent_at < dt.timedelta(seconds=RESEND_SECONDS):
            wait = max(1, RESEND_SECONDS - int((now - row.sent_at).total_seconds()))
            raise VerificationLimited(ngettext("Mã vừa được gửi. Hãy đợi %(n)d giây rồi gửi lại.",
                                               "Mã vừa được gửi. Hãy đợi %(n)d giây rồi gửi lại.", wait) % {"n": wait},
                                      code="resend_too_soon")
        hour = int(time.time() // 3600)
        counts = count_hits([f"rl:verify:{user.pk}:{hour}", f"rl:verify-to:{_digest(channel, target)[:32]}:{hour}"],
                            3600 + 5)
        if max(counts) > SENDS_PER_HOUR:
            raise VerificationLimited(_("Đã gửi quá nhiều mã xác nhận trong một giờ. Hãy thử lại sau."),
                                      code="too_many_codes")
        ContactVerification.objects.filter(expires_at__lt=now - PURGE_AFTER).delete()
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        row, _created = ContactVerification.objects.update_or_create(
            user=user, channel=channel,
            defaults={"address_hash": _digest(user.pk, channel, target),
                      "code_hash": _digest(user.pk, channel, target, code), "attempts": 0, "sent_at": now,
                      "expires_at": now + CODE_TTL})
    # The mail server or gateway is called after the commit: no lock is held while it answers.
    try:
        _deliver(user, channel, target, code, reference=f"cds-verify-{row.pk}-{int(now.timestamp())}")
    except (InvalidContact, VerificationNotSent):
        with transaction.atomic():
            ContactVerification.objects.filter(pk=row.pk, code_hash=row.code_hash).delete()
        raise
    with transaction.atomic():
        audit.record("notifications.contact_code_sent", actor=actor or user, obj=pref, request=request,
                     channel=channel)
    return row


def _deliver(user: Any, channel: str, address: str, code: str, *, reference: str) -> None:
    minutes = int(CODE_TTL.total_seconds() // 60)
    with translation.override(rendering.normalise_language(getattr(user, "preferred_language", ""))):
        if channel == Channel.EMAIL:
            subject = str(_("Mã xác nhận thư điện tử Công Dân Số: %(code)s") % {"code": code})
            body = str(_("Mã xác nhận của bạn là %(code)s.\n\nHãy nhập mã này trên trang Tuỳ chọn thông báo của Công "
                         "Dân Số trong %(minutes)d phút để nhận thông báo qua địa chỉ này.\n\nNếu bạn không yêu cầu "
                         "mã, hãy bỏ qua thư này: địa chỉ sẽ không được dùng.")
                       % {"code": code, "minutes": minutes})
            _send_email(address, subject, body, reference)
        else:
            text = str(_("Công Dân Số: mã xác nhận số điện thoại của bạn là %(code)s, có hiệu lực %(minutes)d phút. "
                         "Không đưa mã này cho ai.") % {"code": code, "minutes": minutes})
            _send_sms(address, text, reference)


def _send_email(address: str, subject: str, body: str, reference: str) -> None:
    """Through Django's e-mail backend, as the e-mail channel sends (SMTP in production)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "congdanso.local"
    message = EmailMessage(subject=subject, body=body, to=[address],
                           headers={"Message-ID": f"<{reference}@{domain}>", "Auto-Submitted": "auto-generated"})
    try:
        connection = get_connection(fail_silently=False, timeout=settings.PUSH_TIMEOUT_SECONDS)
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused:
        raise InvalidContact(_("Máy chủ thư từ chối địa chỉ này. Hãy kiểm tra lại địa chỉ thư điện tử."),
                             code="email_refused") from None
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("verification e-mail not sent (%s): %r", reference, exc)
        raise VerificationNotSent(_("Chưa gửi được mã: máy chủ thư không trả lời. Hãy thử lại sau ít phút.")) from None


def _send_sms(phone: str, text: str, reference: str) -> None:
    """Through the SMS gateway the SMS channel uses (``core.outgoing``), or the console in development."""
    from congdanso.notifications.channels import sms

    if settings.SMS_BACKEND != "http":
        sys.stdout.write(f"[SMS to {phone}] {text}\n")
        return
    not_sent = VerificationNotSent(_("Chưa gửi được mã: tổng đài tin nhắn không trả lời. Hãy thử lại sau ít phút."))
    if not settings.SMS_URL:
        logger.error("verification SMS not sent (%s): SMS_URL is not set", reference)
        raise not_sent
    try:
        with outgoing.Client(timeout=settings.SMS_TIMEOUT_SECONDS, user_agent="CongDanSo-SMS/1") as session:
            response = sms.gateway_post(session, phone, text, reference)
    except (outgoing.OutgoingRefused, OSError) as exc:
        logger.error("verification SMS not sent (%s): %r", reference, exc)
        raise not_sent from None
    if 200 <= response.status < 300:
        return
    logger.warning("verification SMS not sent (%s): gateway answered %s: %s", reference, response.status,
                   response.text[:300])
    if response.status in (408, 429) or response.status >= 500:
        raise not_sent
    raise InvalidContact(_("Tổng đài tin nhắn không nhận số này. Hãy kiểm tra lại số điện thoại di động."),
                         code="phone_refused")


# --- confirming, removing -------------------------------------------------------------------------------------------

def confirm_contact(user: Any, channel: str, code: str, *, actor: Any = None, request: Any = None) -> Preference:
    """Check the code typed for ``channel``; right: the address is proved and the code is gone. Raises
    VerificationFailed (``code_format``, ``no_code``, ``code_expired``, ``wrong_code`` with the tries left,
    ``too_many_attempts`` when the last try voided the code). A wrong try is counted even though it raises."""
    channel = contact_channel(channel)
    field, proof = CONTACT_FIELDS[channel]
    entered = re.sub(r"\s", "", code or "")
    if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", entered):
        raise VerificationFailed(_("Mã xác nhận gồm %(n)d chữ số, ví dụ 123456.") % {"n": CODE_DIGITS},
                                 code="code_format")
    now = timezone.now()
    failure: VerificationFailed | None = None
    with transaction.atomic():
        pref = Preference.objects.select_for_update().filter(user=user).first()
        row = ContactVerification.objects.select_for_update().filter(user=user, channel=channel).first()
        address = getattr(pref, field) if pref is not None else ""
        if row is None or pref is None:
            if is_verified(pref, channel):
                return pref  # type: ignore[return-value]  # confirmed already (the form sent twice)
            raise VerificationFailed(_("Không có mã nào đang chờ. Hãy bấm “Gửi mã xác nhận” để nhận mã mới."),
                                     code="no_code", status=409)
        if row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
            row.delete()
            failure = VerificationFailed(_("Mã xác nhận đã hết hạn. Hãy gửi mã mới."), code="code_expired")
        elif not address or not constant_time_compare(row.address_hash, _digest(user.pk, channel, address)):
            row.delete()
            failure = VerificationFailed(_("Địa chỉ đã đổi sau khi gửi mã. Hãy gửi mã mới."), code="no_code",
                                         status=409)
        elif not constant_time_compare(row.code_hash, _digest(user.pk, channel, address, entered)):
            row.attempts += 1
            left = MAX_ATTEMPTS - row.attempts
            if left <= 0:
                row.delete()
                audit.record("notifications.contact_code_voided", actor=actor or user, obj=pref, request=request,
                             channel=channel, attempts=row.attempts)
                failure = VerificationFailed(
                    _("Bạn đã nhập sai mã %(n)d lần nên mã này không còn dùng được. Hãy gửi mã mới.")
                    % {"n": MAX_ATTEMPTS}, code="too_many_attempts")
            else:
                row.save(update_fields=["attempts"])
                failure = VerificationFailed(ngettext("Mã xác nhận không đúng. Bạn còn %(n)d lần thử.",
                                                      "Mã xác nhận không đúng. Bạn còn %(n)d lần thử.", left)
                                             % {"n": left}, code="wrong_code")
        else:
            setattr(pref, proof, now)
            pref.save()
            row.delete()
            audit.record("notifications.contact_verified", actor=actor or user, obj=pref, request=request,
                         channel=channel)
    if failure is not None:  # raised after the commit: the counted try stays counted
        raise failure
    return pref


def remove_contact(user: Any, channel: str, *, actor: Any = None, request: Any = None) -> Preference | None:
    """Forget the address of ``channel``: no more e-mail or SMS notices there, its pending code voided."""
    channel = contact_channel(channel)
    with transaction.atomic():
        pref = Preference.objects.select_for_update().filter(user=user).first()
        if pref is None:
            return None
        if apply_contact(pref, channel, ""):
            pref.save()
            _contact_changed(pref, channel, actor=actor, request=request, removed=True)
        ContactVerification.objects.filter(user=user, channel=channel).delete()
    return pref
