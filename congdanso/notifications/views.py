"""Resident pages: the inbox, a notification (read on the page's own POST), marking all read, preferences (and
enabling push)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from congdanso.accounts.actors import is_staff_member
from congdanso.accounts.http import AuthenticatedRequest
from congdanso.accounts.models import User
from congdanso.notifications import kinds, queries, services, vapid, verification
from congdanso.notifications.errors import ChannelNotVerified, NotificationError
from congdanso.notifications.forms import CodeForm, ContactForm, PreferenceForm
from congdanso.notifications.models import Channel

LOGIN = "accounts:oidc_login"
CHOOSABLE = [(Channel.WEBPUSH, Channel.WEBPUSH.label), (Channel.EMAIL, Channel.EMAIL.label),
             (Channel.SMS, Channel.SMS.label)]


@never_cache
@login_required(login_url=LOGIN)
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html",
                  {"page": page, "unread": queries.unread_count(request.user)})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required(login_url=LOGIN)
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """GET shows the notification and changes nothing (link prefetchers, scanners and previews follow GETs); the page
    itself marks it read with its own POST (``mark-read.js``). POST (the inbox's and this page's button) marks it
    read and goes to what it is about (the case page), or back to the inbox."""
    notification = queries.notification_of(request.user, notification_id)
    if notification is None:
        messages.error(request, _("Không tìm thấy thông báo."))
        return HttpResponseRedirect(reverse("notifications:inbox"))
    link = notification.link
    target = link if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}) else ""
    if request.method == "POST":
        services.mark_read(request.user, notification.pk)
        return HttpResponseRedirect(target or reverse("notifications:inbox"))
    return render(request, "notifications/detail.html", {"n": notification, "target": target})


@require_POST
@login_required(login_url=LOGIN)
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    messages.success(request, _("Đã đánh dấu %(n)d thông báo là đã đọc.") % {"n": count})
    return HttpResponseRedirect(reverse("notifications:inbox"))


@never_cache
@login_required(login_url=LOGIN)
def badge(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/_badge.html", {"unread": queries.unread_count(request.user), "show": True})


def _kinds_for(user: User) -> list[kinds.Kind]:
    return kinds.available(for_staff=is_staff_member(user))  # only kinds of areas the platform runs


# The two addresses a resident proves with a one-time code: what the page says about each.
CONTACTS: dict[str, dict[str, Any]] = {
    Channel.EMAIL: {
        "title": gettext_lazy("Thư điện tử"), "label": gettext_lazy("Địa chỉ thư điện tử"),
        "type": "email", "autocomplete": "email", "inputmode": "email",
        "hint": gettext_lazy("Chúng tôi gửi một mã 6 chữ số tới địa chỉ này. Thông báo chỉ được gửi qua thư điện "
                             "tử sau khi bạn nhập đúng mã."),
        "verified": gettext_lazy("Đã xác nhận địa chỉ thư điện tử. Bây giờ bạn có thể chọn nhận thông báo qua thư "
                                 "điện tử ở mục “Nhận gì, qua kênh nào”."),
        "removed": gettext_lazy("Đã xoá địa chỉ thư điện tử: thông báo không còn được gửi qua thư điện tử."),
        "sent_to": gettext_lazy("Đã gửi mã tới"), "other": gettext_lazy("Dùng địa chỉ khác"),
        "change": gettext_lazy("Đổi địa chỉ thư điện tử"), "remove": gettext_lazy("Xoá địa chỉ này"),
        "code_hint": gettext_lazy("6 chữ số trong thư vừa gửi (xem cả hộp thư rác)."),
        "locked": gettext_lazy("Thư điện tử chọn được sau khi bạn xác nhận địa chỉ."),
        "verify_link": gettext_lazy("Xác nhận địa chỉ thư điện tử"),
    },
    Channel.SMS: {
        "title": gettext_lazy("Tin nhắn SMS"), "label": gettext_lazy("Số điện thoại di động"),
        "type": "tel", "autocomplete": "tel", "inputmode": "tel",
        "hint": gettext_lazy("Chúng tôi gửi một mã 6 chữ số tới số này bằng tin nhắn. Thông báo chỉ được gửi qua "
                             "SMS sau khi bạn nhập đúng mã."),
        "verified": gettext_lazy("Đã xác nhận số điện thoại. Bây giờ bạn có thể chọn nhận thông báo qua SMS ở mục "
                                 "“Nhận gì, qua kênh nào”."),
        "removed": gettext_lazy("Đã xoá số điện thoại: thông báo không còn được gửi qua SMS."),
        "sent_to": gettext_lazy("Đã gửi mã tới số"), "other": gettext_lazy("Dùng số khác"),
        "change": gettext_lazy("Đổi số điện thoại"), "remove": gettext_lazy("Xoá số này"),
        "code_hint": gettext_lazy("6 chữ số trong tin nhắn vừa gửi."),
        "locked": gettext_lazy("SMS chọn được sau khi bạn xác nhận số điện thoại."),
        "verify_link": gettext_lazy("Xác nhận số điện thoại"),
    },
}


def _contact_channel(channel: str) -> str:
    if channel not in CONTACTS:
        raise Http404
    return channel


def _render_preferences(request: AuthenticatedRequest, *, form: PreferenceForm | None = None,
                        chosen: dict[str, list[str]] | None = None, channel_errors: dict[str, str] | None = None,
                        contact: str = "", address: str | None = None, address_error: str = "",
                        code_error: str = "", status: int = 200) -> HttpResponse:
    """The page: push on this device; each address and its proof (enter → code → confirmed); the channels of each
    kind (e-mail and SMS locked until proved) and quiet hours. The arguments carry a refused POST's input and
    errors: ``contact`` is the channel whose address form (``address``/``address_error``) or code form
    (``code_error``) was sent."""
    user = request.user
    pref = queries.preference_of(user)
    pending = queries.pending_verifications(user)
    shown = _kinds_for(user)
    if form is None:
        form = PreferenceForm(initial={"quiet_start": pref.quiet_start, "quiet_end": pref.quiet_end})
    if chosen is None:
        chosen = {k.code: list(services.channels_for(pref if pref.pk else None, k)) for k in shown}
    channel_errors = channel_errors or {}
    errors: list[dict[str, str]] = []  # the summary at the top: message and the field it links to

    contacts = []
    for code, words in CONTACTS.items():
        field, _proof = verification.CONTACT_FIELDS[code]
        stored = getattr(pref, field) or ""
        verified = verification.is_verified(pref, code)
        row = pending.get(code) if stored and not verified else None
        mine = contact == code
        item = {"code": code, **words, "address": stored, "verified": verified, "pending": row,
                "verified_at": getattr(pref, _proof) if verified else None,
                "value": address if mine and address is not None else stored,
                "address_error": address_error if mine else "",
                "code_error": code_error if mine and row is not None else "",
                "send_error": "", "change_open": False}
        if mine and code_error and row is None:  # the code is gone (expired, voided): say so beside the next step
            item["address_error"] = code_error
        # An address error goes beside the address field when it is on show (no address yet, or "use another"
        # opened because that form was sent), else beside the "send again" button.
        if item["address_error"] and (verified or row is not None):
            if address is not None:
                item["change_open"] = True
            else:
                item["send_error"], item["address_error"] = item["address_error"], ""
        anchor = f"{code}-address"
        if item["code_error"]:
            errors.append({"id": f"{code}-code", "message": item["code_error"]})
        elif item["address_error"]:
            errors.append({"id": anchor, "message": item["address_error"]})
        elif item["send_error"]:
            errors.append({"id": f"{code}-resend", "message": item["send_error"]})
        # Where to go to prove this address (the hint and error of the locked checkboxes link there).
        item["next_anchor"] = f"{code}-code" if row is not None else anchor
        contacts.append(item)
    by_code = {c["code"]: c for c in contacts}

    for code, message in channel_errors.items():
        errors.append({"id": by_code[code]["next_anchor"], "message": message})
    for name in ("quiet_start", "quiet_end"):
        errors += [{"id": form[name].id_for_label, "message": str(m)} for m in form.errors.get(name, [])]
    errors += [{"id": form["quiet_start"].id_for_label, "message": str(m)} for m in form.non_field_errors()]

    rows = []
    for kind in shown:
        cells = []
        for code, label in CHOOSABLE:
            shut = code in CONTACTS and not by_code[code]["verified"]
            cells.append({"code": code, "label": label, "allowed": code in kind.allowed_channels, "locked": shut,
                          "checked": code in chosen.get(kind.code, []) and not shut,
                          "error": code in channel_errors})
        rows.append({"kind": kind, "cells": cells})
    locked = [c for c in contacts if not c["verified"]]
    return render(request, "notifications/preferences.html", {
        "form": form, "rows": rows, "contacts": contacts, "locked": locked, "channel_errors": channel_errors,
        "errors": errors, "vapid_public_key": vapid.application_server_key(),
        "device_count": user.push_subscriptions.count(),
    }, status=status)


@never_cache
@login_required(login_url=LOGIN)
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_preferences(request)
    shown = _kinds_for(request.user)
    form = PreferenceForm(request.POST)
    chosen = {k.code: request.POST.getlist(f"ch-{k.code}") for k in shown}
    channel_errors: dict[str, str] = {}
    if form.is_valid():
        try:
            services.update_preferences(
                request.user, channels_by_kind=chosen, quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"], actor=request.user)
        except ChannelNotVerified as exc:
            channel_errors = {c: str(verification.NOT_VERIFIED[c]) for c in exc.channels}
        except NotificationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã lưu tuỳ chọn thông báo."))
            return HttpResponseRedirect(reverse("notifications:preferences"))
    return _render_preferences(request, form=form, chosen=chosen, channel_errors=channel_errors, status=400)


@require_POST
@login_required(login_url=LOGIN)
def contact_send_code(request: AuthenticatedRequest, channel: str) -> HttpResponse:
    """Store the address typed (or, for "send again", the one on file) and send it a code; then the code form."""
    channel = _contact_channel(channel)
    form = ContactForm(request.POST)
    given = "address" in request.POST
    if not form.is_valid():
        return _render_preferences(request, contact=channel, address=request.POST.get("address", ""),
                                   address_error=" ".join(str(m) for m in form.errors.get("address", [])), status=400)
    address = form.cleaned_data["address"] if given else None
    try:
        row = services.send_verification_code(request.user, channel, address, actor=request.user, request=request)
    except NotificationError as exc:
        return _render_preferences(request, contact=channel, address=address, address_error=str(exc.message),
                                   status=exc.status)
    minutes = int(verification.CODE_TTL.total_seconds() // 60)
    messages.success(request, _("Đã gửi mã xác nhận. Hãy nhập mã trong %(minutes)d phút, trước %(time)s.")
                     % {"minutes": minutes, "time": date_format(localtime(row.expires_at), "H:i")})
    return HttpResponseRedirect(reverse("notifications:preferences") + f"#{channel}-code")


@require_POST
@login_required(login_url=LOGIN)
def contact_confirm(request: AuthenticatedRequest, channel: str) -> HttpResponse:
    channel = _contact_channel(channel)
    form = CodeForm(request.POST)
    if not form.is_valid():
        message = " ".join(str(m) for m in form.errors.get("code", []))
        return _render_preferences(request, contact=channel, code_error=message, status=400)
    try:
        services.confirm_contact(request.user, channel, form.cleaned_data["code"], actor=request.user,
                                 request=request)
    except NotificationError as exc:
        return _render_preferences(request, contact=channel, code_error=str(exc.message), status=exc.status)
    messages.success(request, str(CONTACTS[channel]["verified"]))
    return HttpResponseRedirect(reverse("notifications:preferences") + "#channels")


@require_POST
@login_required(login_url=LOGIN)
def contact_remove(request: AuthenticatedRequest, channel: str) -> HttpResponse:
    channel = _contact_channel(channel)
    services.remove_contact(request.user, channel, actor=request.user, request=request)
    messages.success(request, str(CONTACTS[channel]["removed"]))
    return HttpResponseRedirect(reverse("notifications:preferences") + f"#{channel}")
