"""Resident login through VNeID (OpenID Connect) and logout."""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from congdanso.accounts import backends, oidc, services
from congdanso.accounts.claims import ClaimsError, map_claims
from congdanso.accounts.errors import AccountDisabled
from congdanso.accounts.markers import DRAFTS_COOKIE, account_marker
from congdanso.core import audit

logger = logging.getLogger(__name__)

NEXT_KEY = "login_next"
ID_TOKEN_KEY = "oidc_id_token"
ISSUER_KEY = "oidc_issuer"

REASONS = {
    "not_configured": _("Đăng nhập VNeID chưa được cấu hình trên hệ thống này."),
    "provider_unreachable": _("Không kết nối được với hệ thống định danh VNeID. Vui lòng thử lại sau ít phút."),
    "state_mismatch": _("Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại."),
    "denied": _("Bạn đã huỷ đăng nhập hoặc hệ thống định danh từ chối yêu cầu."),
    "invalid_token": _("Thông tin định danh nhận được không hợp lệ (chữ ký, thời hạn hoặc đối tượng sai)."),
    "claims": _("Hệ thống định danh không cung cấp đủ thông tin để tạo tài khoản."),
    "account_disabled": _("Tài khoản này đã bị khoá. Vui lòng liên hệ bộ phận hỗ trợ."),
}


def safe_next(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """``candidate`` if it stays on this site, else ``default`` (the home page)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("web:home")


def login_error(request: HttpRequest, reason: str, detail: str = "", status: int = 400) -> HttpResponse:
    logger.warning("resident login failed: %s %s", reason, detail)
    audit.record("account.login_failed", request=request, reason=reason, detail=detail[:500])
    return render(
        request, "accounts/login_error.html",
        {"reason": reason, "message": REASONS.get(reason, REASONS["invalid_token"])}, status=status,
    )


@never_cache
@require_GET
def oidc_login(request: HttpRequest) -> HttpResponse:
    request.session[NEXT_KEY] = safe_next(request, request.GET.get("next"))
    try:
        config = oidc.provider_config(request)
        client = oidc.client_for(config)
        extra = {"ui_locales": getattr(request, "LANGUAGE_CODE", "vi")}
        if settings.OIDC_ACR_VALUES:
            extra["acr_values"] = settings.OIDC_ACR_VALUES
        return client.authorize_redirect(request, oidc.redirect_uri(request), **extra)
    except oidc.NotConfigured as exc:
        return login_error(request, "not_configured", str(exc), status=503)
    except (requests.RequestException, ValueError, KeyError, AuthlibBaseError) as exc:
        return login_error(request, "provider_unreachable", repr(exc), status=502)


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    if request.GET.get("error"):
        return login_error(request, "denied", request.GET.get("error", "") + " " +
                           request.GET.get("error_description", ""))
    try:
        config = oidc.provider_config(request)
    except oidc.NotConfigured as exc:
        return login_error(request, "not_configured", str(exc), status=503)
    client = oidc.client_for(config)
    try:
        token = client.authorize_access_token(request, claims_options=oidc.claims_options(config))
    except requests.RequestException as exc:
        return login_error(request, "provider_unreachable", repr(exc), status=502)
    except AuthlibBaseError as exc:
        reason = "state_mismatch" if getattr(exc, "error", "") == "mismatching_state" else "invalid_token"
        return login_error(request, reason, repr(exc))
    except (JoseError, ValueError, KeyError, RuntimeError) as exc:
        return login_error(request, "invalid_token", repr(exc))
    claims = token.get("userinfo")
    if not token.get("id_token") or not claims:
        return login_error(request, "invalid_token", "the token response carried no ID token")
    claims = dict(claims)
    if client.server_metadata.get("userinfo_endpoint"):
        try:
            extra = dict(client.userinfo(token=token))
        except (requests.RequestException, ValueError, AuthlibBaseError) as exc:
            logger.info("userinfo not available, using ID token claims only: %r", exc)
            extra = {}
        if extra.get("sub") == claims.get("sub"):
            claims = {**extra, **claims}
    try:
        identity = map_claims(settings.OIDC_CLAIMS_PROFILE, config.issuer, claims)
    except ClaimsError as exc:
        return login_error(request, "claims", str(exc))
    next_url = request.session.pop(NEXT_KEY, None)
    try:
        user = services.sign_in_resident(identity, request=request)
    except AccountDisabled as exc:
        return login_error(request, "account_disabled", f"user {exc.user_id} is inactive", status=exc.status)
    login(request, user, backend=backends.PATH)
    request.session[ID_TOKEN_KEY] = token["id_token"]
    request.session[ISSUER_KEY] = config.issuer
    return HttpResponseRedirect(safe_next(request, next_url))


@never_cache
@require_GET
def draft_owner(request: HttpRequest) -> JsonResponse:
    """The signed-in account's marker (see ``markers``) and a CSRF token of this session: the service worker sends
    a draft only under the account that wrote it, with a token valid now."""
    return JsonResponse({"owner": account_marker(request.user), "csrf": get_token(request)})


SIGNED_OUT_KEY = "cds_signed_out"


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    # Unsent offline drafts in this browser: ask the resident whether to keep them for their next sign-in or
    # delete them from the device (a shared phone) before signing out. Without the cookie, sign out at once.
    choice = request.POST.get("drafts", "")
    if request.COOKIES.get(DRAFTS_COOKIE) and request.user.is_authenticated and choice not in ("keep", "clear"):
        return render(request, "accounts/logout_drafts.html", {"owner": account_marker(request.user)})
    id_token = request.session.get(ID_TOKEN_KEY)
    was_resident = bool(id_token)
    user = request.user
    if user.is_authenticated:
        audit.record("account.signed_out", actor=user, obj=user, request=request)
    end_session = ""
    if was_resident:
        try:
            client = oidc.client_for(oidc.provider_config(request))
            end_session = client.load_server_metadata().get("end_session_endpoint", "")
        except (oidc.NotConfigured, requests.RequestException, ValueError, AuthlibBaseError):
            end_session = ""
    logout(request)
    home = request.build_absolute_uri(reverse("web:home"))
    if end_session:
        response = client.logout_redirect(request, post_logout_redirect_uri=home, id_token_hint=id_token)
    else:
        response = HttpResponseRedirect(reverse("web:signed_out"))
    # The provider sends the browser back to the home page (the address it knows) with its own query (``state``);
    # a short-lived cookie (not the session: the provider may end it) makes the home page forward once to the clean
    # "signed out" page.
    response.set_cookie(SIGNED_OUT_KEY, "1", max_age=300, httponly=True, samesite="Lax",
                        secure=request.is_secure())
    if choice == "clear":  # the page's script deleted this account's drafts; forget that there were any
        response.delete_cookie(DRAFTS_COOKIE)
    return response
