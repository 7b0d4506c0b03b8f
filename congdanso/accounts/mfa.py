"""Staff second factor: TOTP devices (django-otp), enrolment QR codes."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts.models import User
from congdanso.core import audit


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first call, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def confirm_enrolment(device: TOTPDevice, code: str, request: HttpRequest | None = None) -> str:
    """The first valid code confirms a pending device. Returns "confirmed", "wrong" or "throttled" (too many wrong
    codes lately: django-otp's back-off); audited either way."""
    allowed, _details = device.verify_is_allowed()
    if allowed and device.verify_token(code):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record("account.staff_otp_enrolled", actor=device.user, obj=device.user, request=request)
        return "confirmed"
    audit.record("account.staff_otp_failed", actor=device.user, obj=device.user, request=request, enrolment=True)
    return "wrong" if allowed else "throttled"


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    """otpauth:// URI for authenticator apps; django-otp adds the issuer from OTP_TOTP_ISSUER."""
    return device.config_url


def qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")
