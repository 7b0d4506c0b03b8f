"""Moderation (biên tập) for editors and city admins: a queue of new and flagged reports across agencies, and a
page per report to edit its public text, hide it, redact or hide its photos, or mark it looked at. Every edit and
redaction shows publicly as "đã biên tập" with its reason (``services.moderation``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from congdanso.accounts.access import staff_required
from congdanso.accounts.http import AuthenticatedRequest
from congdanso.core import audit
from congdanso.core.errors import DomainError
from congdanso.core.textinput import clean
from congdanso.reports import services
from congdanso.reports.models import Report


def _moderator(request: AuthenticatedRequest) -> None:
    if not services.can_moderate(request.user):
        raise Http404


@never_cache
@staff_required
def queue(request: AuthenticatedRequest) -> HttpResponse:
    _moderator(request)
    page = Paginator(services.moderation_queue(), 30).get_page(request.GET.get("page"))
    return render(request, "reports/moderation_queue.html", {"page": page})


@never_cache
@staff_required
def moderate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _moderator(request)
    report = Report.objects.select_related("category", "agency", "ward").filter(pk=pk).first()
    if report is None:
        raise Http404
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"description": report.description, "reason": "", "hidden": report.is_hidden}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "reviewed":
                services.mark_reviewed(report, actor=request.user, request=request)
                messages.success(request, _("Đã đánh dấu %(code)s là đã xem.") % {"code": report.code})
                return redirect("reports_staff:moderation")
            if action == "edit":
                form = {"description": request.POST.get("description", ""), "reason": request.POST.get("reason", ""),
                        "hidden": request.POST.get("hidden") == "1"}
                form["description"] = clean(form["description"], field="description", label=_("Nội dung"),
                                            max_length=4000)
                form["reason"] = clean(form["reason"], field="reason", label=_("Lý do"), max_length=300,
                                       multiline=False)
                services.moderate_report(report, actor=request.user, description=form["description"],
                                         hidden=form["hidden"], reason=form["reason"], request=request)
                messages.success(request, _("Đã biên tập %(code)s. Trang công khai ghi “đã biên tập” kèm lý do.")
                                 % {"code": report.code})
                return redirect("reports_staff:moderation")
            raise Http404
        except DomainError as exc:
            field = getattr(exc, "field", "")
            errors["reason" if exc.code == "reason_required" or field == "reason" else "description"] = str(exc.message)
            status = 400
    # The text may carry personal data (a phone number, a name): every editor's view is audited.
    audit.record("report.moderation_viewed", actor=request.user, obj=report, request=request)
    return render(request, "reports/moderation_detail.html", {
        "report": report, "photos": list(report.photos.all()), "errors": errors, "form": form,
    }, status=status)
