"""Back-office views: delivery status per notification for one object (embedded on case pages), and sending an
announcement to one resident (look up with a reason → confirm with the masked name → send)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from congdanso.accounts.access import staff_required
from congdanso.core import audit
from congdanso.core.errors import DomainError
from congdanso.notifications import queries, services, subjects
from congdanso.notifications.errors import NotificationError
from congdanso.notifications.forms import AnnouncementForm

CONFIRM_SALT = "notifications.announce"
CONFIRM_MAX_AGE = 15 * 60  # seconds a looked-up resident stays confirmable


def delivery_panel_context(request: HttpRequest, object_type: str, object_id: str) -> dict[str, Any] | None:
    """The delivery panel for what ``request.user`` may see of this object; None when nothing (a 404)."""
    subject = subjects.resolve(request, object_type, object_id)
    if subject is None:
        return None
    notifications = queries.deliveries_for_object(object_type, object_id, **subject.filters)
    for n in notifications:
        n.recipient_label = subject.recipient_label(n.recipient)  # type: ignore[attr-defined]  # for the template
    return {"notifications": notifications, "subject": subject,
            "summary": queries.status_summary(object_type, object_id, **subject.filters),
            "object_type": object_type, "object_id": object_id}


@never_cache
@staff_required
def deliveries(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    context = delivery_panel_context(request, object_type, object_id)
    if context is None:
        raise Http404
    # Who was notified about what is personal data: every staff read is audited.
    audit.record("notifications.deliveries_viewed", actor=request.user, object_type=object_type,
                 object_id=object_id, request=request, count=len(context["notifications"]))
    template = "notifications/staff/_deliveries.html" if request.headers.get("HX-Request") else \
        "notifications/staff/deliveries.html"
    return render(request, template, context)


@never_cache
@staff_required
def announce(request: HttpRequest) -> HttpResponse:
    """Step 1: who (ID number or login name), why, and what. Step 2 (``confirm``): the masked name, then send."""
    if not services.can_announce(request.user):
        raise Http404
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = AnnouncementForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = services.look_up_resident(data["resident"], actor=request.user, reason=data["reason"],
                                                 request=request)
        except DomainError as exc:
            field = {"reason_required": "reason", "resident_not_found": "resident"}.get(exc.code)
            form.add_error(field, str(exc.message))
            status = exc.status if exc.status == 429 else 200
        else:
            token = signing.dumps({"r": resident.pk, "a": request.user.pk, "t": data["title"], "m": data["message"],
                                   "l": data["link"], "why": data["reason"]}, salt=CONFIRM_SALT, compress=True)
            return render(request, "notifications/staff/announce_confirm.html", {
                "masked_name": services.mask_name(resident.display_name), "token": token, "title": data["title"],
                "message": data["message"], "link": data["link"], "reason": data["reason"]})
    return render(request, "notifications/staff/announce.html", {"form": form}, status=status)


def _confirm(request: HttpRequest) -> HttpResponse:
    try:
        data = signing.loads(request.POST["token"], salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("Phiên xác nhận đã hết hạn hoặc không hợp lệ. Hãy tra cứu lại."))
        return HttpResponseRedirect(reverse("notifications:staff_announce"))
    if data.get("a") != request.user.pk:
        raise Http404
    resident = services.resident_by_id(data["r"])
    if resident is None:
        raise Http404
    try:
        services.send_announcement(resident, title=data["t"], message=data["m"], link=data["l"], actor=request.user,
                                   reason=data["why"])
    except NotificationError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("notifications:staff_announce"))
    messages.success(request, _("Đã gửi thông báo tới %(name)s.") % {"name": services.mask_name(resident.display_name)})
    return HttpResponseRedirect(reverse("notifications:staff_deliveries", args=["accounts.user", resident.pk]))
