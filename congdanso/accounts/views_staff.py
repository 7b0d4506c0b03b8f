"""Staff sign-in: password (locked out after repeated failures by django-axes), then a TOTP code.

A staff member without a confirmed TOTP device enrols one right after the password step: the page shows a QR code
and the secret, and the first valid code confirms the device and signs in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from congdanso.accounts import backends, mfa
from congdanso.accounts.forms import OtpForm, StaffLoginForm
from congdanso.accounts.models import User, UserKind
from congdanso.accounts.views import safe_next
from congdanso.core import audit

PENDING_KEY = "staff_pending_user"
PENDING_AT_KEY = "staff_pending_at"
PENDING_SECONDS = 5 * 60
NEXT_KEY = "staff_next"
STAFF_STARTED_KEY = "staff_started_at"


def locked_out(request: HttpRequest, credentials: dict | None = None, *args: object, **kwargs: object) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/staff_locked.html", {"minutes": minutes}, status=429)


def _pending_user(request: HttpRequest) -> User | None:
    """The staff member who passed the password step, for PENDING_SECONDS at most."""
    user_id = request.session.get(PENDING_KEY)
    if not user_id:
        return None
    if timezone.now().timestamp() - request.session.get(PENDING_AT_KEY, 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=user_id, kind=UserKind.STAFF, is_active=True).first()


def _finish(request: HttpRequest, user: User, device: object) -> HttpResponse:
    next_url = request.session.get(NEXT_KEY)
    login(request, user, backend=backends.PATH)
    otp_login(request, device)
    request.session[STAFF_STARTED_KEY] = timezone.now().timestamp()
    request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
    audit.record("account.staff_signed_in", actor=user, obj=user, request=request)
    return HttpResponseRedirect(safe_next(request, next_url, default=reverse("backoffice:home")))


@never_cache
@sensitive_post_parameters("password")
def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"],
                            password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            audit.record("account.staff_locked_out", request=request, username=form.cleaned_data["username"][:150])
            return locked_out(request)
        if user is None or user.kind != UserKind.STAFF:
            audit.record("account.staff_password_failed", request=request,
                         username=form.cleaned_data["username"][:150])
            form.add_error(None, _("Tên đăng nhập hoặc mật khẩu không đúng."))
        else:
            request.session.cycle_key()
            request.session[PENDING_KEY] = user.pk
            request.session[PENDING_AT_KEY] = timezone.now().timestamp()
            request.session[NEXT_KEY] = request.GET.get("next", "")
            if mfa.confirmed_device(user) is None:
                return HttpResponseRedirect(reverse("accounts:staff_otp_enrol"))
            return HttpResponseRedirect(reverse("accounts:staff_otp"))
    return render(request, "accounts/staff_login.html", {"form": form})


@never_cache
def staff_otp(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return HttpResponseRedirect(reverse("accounts:staff_login"))
    device = mfa.confirmed_device(user)
    if device is None:
        return HttpResponseRedirect(reverse("accounts:staff_otp_enrol"))
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            return _finish(request, user, device)
        audit.record("account.staff_otp_failed", actor=user, obj=user, request=request)
        form.add_error("code", _("Mã xác thực không đúng hoặc đã hết hạn. Đợi mã mới rồi thử lại.")
                       if allowed else _("Nhập sai quá nhiều lần. Vui lòng đợi một lúc rồi thử lại."))
    return render(request, "accounts/staff_otp.html", {"form": form, "staff": user})


@never_cache
def staff_otp_enrol(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return HttpResponseRedirect(reverse("accounts:staff_login"))
    if mfa.confirmed_device(user) is not None:
        return HttpResponseRedirect(reverse("accounts:staff_otp"))
    device = mfa.pending_device(user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = mfa.confirm_enrolment(device, form.cleaned_data["code"], request)
        if outcome == "confirmed":
            request.session.pop(PENDING_KEY, None)
            return _finish(request, user, device)
        form.add_error("code", _("Nhập sai quá nhiều lần. Vui lòng đợi một lúc rồi thử lại.") if outcome == "throttled"
                       else _("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại rồi thử lại."))
    uri = mfa.provisioning_uri(device)
    return render(request, "accounts/staff_otp_enrol.html", {
        "form": form, "staff": user, "qr_svg": mfa.qr_svg(uri), "secret": mfa.secret_base32(device), "uri": uri,
    })


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record("account.staff_signed_out", actor=request.user, obj=request.user, request=request)
    logout(request)
    return HttpResponseRedirect(reverse("accounts:staff_login"))
