"""Resident pages: the inbox, a notification (read on the page's own POST), marking all read, preferences (and
enabling push)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from congdanso.accounts.actors import is_staff_member
from congdanso.accounts.http import AuthenticatedRequest
from congdanso.accounts.models import User
from congdanso.notifications import kinds, queries, services, vapid
from congdanso.notifications.errors import NotificationError
from congdanso.notifications.forms import PreferenceForm
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


@never_cache
@login_required(login_url=LOGIN)
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    pref = queries.preference_of(request.user)
    shown = _kinds_for(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        chosen = {k.code: request.POST.getlist(f"ch-{k.code}") for k in shown}
        if form.is_valid():
            try:
                services.update_preferences(
                    request.user, channels_by_kind=chosen, quiet_start=form.cleaned_data["quiet_start"],
                    quiet_end=form.cleaned_data["quiet_end"], email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"], actor=request.user)
            except NotificationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã lưu tuỳ chọn thông báo."))
                return HttpResponseRedirect(reverse("notifications:preferences"))
    else:
        form = PreferenceForm(initial={"quiet_start": pref.quiet_start, "quiet_end": pref.quiet_end,
                                       "email": pref.email or request.user.email, "phone": pref.phone})
        chosen = {k.code: list(services.channels_for(pref if pref.pk else None, k)) for k in shown}
    rows = [{"kind": k, "cells": [{"code": code, "label": label, "allowed": code in k.allowed_channels,
                                   "checked": code in chosen.get(k.code, [])} for code, label in CHOOSABLE]}
            for k in shown]
    return render(request, "notifications/preferences.html", {
        "form": form, "rows": rows, "channels": CHOOSABLE, "vapid_public_key": vapid.application_server_key(),
        "device_count": request.user.push_subscriptions.count(),
    })
