"""Back-office views: delivery status per notification for one object (embedded on case pages), and sending an
announcement to one resident."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from congdanso.accounts.access import staff_required
from congdanso.core import audit
from congdanso.notifications import queries, services
from congdanso.notifications.errors import NotificationError
from congdanso.notifications.forms import AnnouncementForm


def delivery_panel_context(object_type: str, object_id: str) -> dict[str, Any]:
    return {"notifications": queries.deliveries_for_object(object_type, object_id),
            "summary": queries.status_summary(object_type, object_id),
            "object_type": object_type, "object_id": object_id}


@never_cache
@staff_required
def deliveries(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    context = delivery_panel_context(object_type, object_id)
    # Recipients' names are personal data: every staff read is audited.
    audit.record("notifications.deliveries_viewed", actor=request.user, object_type=object_type,
                 object_id=object_id, request=request, count=len(context["notifications"]))
    template = "notifications/staff/_deliveries.html" if request.headers.get("HX-Request") else \
        "notifications/staff/deliveries.html"
    return render(request, template, context)


@never_cache
@staff_required
def announce(request: HttpRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = services.find_resident(form.cleaned_data["resident"])
        if resident is None:
            form.add_error("resident", _("Không tìm thấy người dân này."))
        else:
            try:
                services.send_announcement(resident, title=form.cleaned_data["title"],
                                           message=form.cleaned_data["message"], link=form.cleaned_data["link"],
                                           actor=request.user)
            except NotificationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã gửi thông báo tới %(name)s.") % {"name": resident.display_name})
                return HttpResponseRedirect(reverse("notifications:staff_deliveries",
                                                    args=["accounts.user", resident.pk]))
    return render(request, "notifications/staff/announce.html", {"form": form})
