"""Back office for dossiers: the agency's list (filters by status, overdue, procedure, code) and a dossier's page
with the moves its status allows (accept, refuse, request supplements or fees, process, finish, return the result,
stop), the apology with a new date when it is late, and internal notes. Every move goes through ``services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from congdanso.accounts.access import staff_required
from congdanso.accounts.http import AuthenticatedRequest
from congdanso.accounts.roles import Role
from congdanso.accounts.services import agency_ids_of, has_role
from congdanso.core import audit
from congdanso.core.errors import DomainError
from congdanso.core.textinput import TextInputError, clean
from congdanso.dossiers import projections, queries, services, states, views_online
from congdanso.dossiers.errors import DossierError
from congdanso.dossiers.models import Dossier
from congdanso.dossiers.states import EventKind, Status, Who
from congdanso.dossiers.views import file_groups
from congdanso.lib.workdays import LOCAL_ZONE

# The one primary next step per status; the other allowed moves are offered beside it.
PRIMARY: dict[str, str] = {
    Status.SUBMITTED: EventKind.ACCEPT, Status.ACCEPTED: EventKind.PROCESS, Status.PROCESSING: EventKind.FINISH,
    Status.FEES: EventKind.PAY_FEES, Status.DONE: EventKind.RETURN,
}


def _scope_ids(request: AuthenticatedRequest) -> set[int] | None:
    return None if has_role(request.user, Role.CITY_ADMIN) else agency_ids_of(request.user)


def _dossier_for(request: AuthenticatedRequest, code: str) -> Dossier:
    dossier = Dossier.objects.select_related("procedure", "agency").filter(code=code).first()
    if dossier is None or not services.can_work_on(request.user, dossier):
        raise Http404
    return dossier


@never_cache
@staff_required
def dossier_list(request: AuthenticatedRequest) -> HttpResponse:
    f = queries.DossierFilter.from_params(request.GET, agency_ids=_scope_ids(request))
    page = Paginator(queries.dossiers(f), 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"dossier": d, "overdue": queries.is_overdue(d, now)} for d in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dossiers/staff_list.html", {
        "page": page, "rows": rows, "chosen": f, "statuses": Status.choices, "query": query.urlencode()})


def _action(kind: str, *, primary: bool = False) -> dict[str, Any]:
    move = states.ACTIONS[kind]
    return {"kind": kind, "label": states.ACTION_VERBS[kind], "primary": primary,
            "message": "required" if move.needs_message else ("optional" if kind == EventKind.RETURN else "")}


@never_cache
@staff_required
def dossier_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    dossier = _dossier_for(request, code)
    audit.record("dossier.viewed", actor=request.user, obj=dossier, request=request, code=dossier.code)
    allowed = states.allowed_from(dossier.status, who=Who.STAFF)
    preferred: str | None = PRIMARY.get(Status(dossier.status))
    primary = preferred if preferred in allowed else (allowed[0] if allowed else None)
    others = [_action(a) for a in allowed if a != primary]
    if queries.is_overdue(dossier):
        others.append(_action(EventKind.APOLOGISE))
    events = queries.timeline(dossier, public_only=False)
    for event in events:
        event.label = states.EVENT_LABELS.get(event.kind, event.kind)  # type: ignore[attr-defined]  # for the page
    return render(request, "dossiers/staff_detail.html", {
        "dossier": dossier, "view": projections.details(dossier), "events": events,
        "primary": _action(primary, primary=True) if primary else None, "others": others,
        "note": _action(EventKind.NOTE), "files": file_groups(dossier), "max_mb": settings.DOSSIER_MAX_FILE_MB})


def _message(request: AuthenticatedRequest, name: str = "message") -> str:
    return clean(request.POST.get(name, ""), field=name, label=_("Nội dung"), max_length=4000)


@require_POST
@staff_required
def dossier_act(request: AuthenticatedRequest, code: str, action: str) -> HttpResponse:
    dossier = _dossier_for(request, code)
    try:
        text = _message(request)
        if action == EventKind.RETURN:
            problem = views_online.too_many_files(request, services.RESULT_FIELD)
            if problem is not None:
                raise problem
            services.return_result(dossier.code, actor=request.user, result=text, request=request,
                                   uploads=views_online.uploads_from(request, services.RESULT_FIELD))
        elif action == EventKind.NOTE:
            services.add_note(dossier.code, actor=request.user, message=text, request=request)
        elif action == EventKind.APOLOGISE:
            services.apologise(dossier.code, actor=request.user, message=text, new_due=_new_due(request),
                               request=request)
        else:
            services.move_dossier(dossier.code, action, actor=request.user, message=text, request=request)
    except (DomainError, TextInputError) as exc:
        for problem in getattr(exc, "problems", [exc]):  # every refused file, not only the first
            messages.error(request, str(problem.message))
        return redirect("dossiers_staff:detail", code=dossier.code)
    messages.success(request, _("Đã cập nhật hồ sơ %(code)s: %(action)s.") % {
        "code": dossier.code, "action": states.EVENT_LABELS.get(action, action)})
    return redirect("dossiers_staff:detail", code=dossier.code)


def _new_due(request: AuthenticatedRequest) -> dt.datetime:
    raw = request.POST.get("new_due", "")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise DossierError(_("Hãy chọn ngày hẹn mới."), field="new_due") from exc
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=LOCAL_ZONE)
