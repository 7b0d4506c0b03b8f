""""Việc của tôi" (my cases): a signed-in resident's reports, the reports they follow and their dossiers in one list,
latest change first, each with its status, its date to watch and what the resident can do next. The one reading
of it, for the page and the API (ideas join it when the feedback app exists)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from congdanso.dossiers import queries as dossier_queries
from congdanso.dossiers import states as dossier_states
from congdanso.dossiers.models import Rating
from congdanso.reports import queries as report_queries
from congdanso.reports.states import OPEN as REPORT_OPEN
from congdanso.reports.states import Status as ReportStatus

PER_SOURCE = 100  # newest items read from each source; a resident's own history rarely reaches it


@dataclass(frozen=True)
class Case:
    kind: str  # "report", "followed" or "dossier"
    code: str
    title: str
    status: str
    status_label: str
    updated_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    link: str
    next_step: str  # what the resident can do now ("" when nothing)

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["updated_at"] = self.updated_at.isoformat()
        body["due_at"] = self.due_at.isoformat() if self.due_at else None
        return body


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "…"


def _reports(user: Any, now: dt.datetime) -> list[Case]:
    cases = []
    mine = list(report_queries.my_reports(user).order_by("-updated_at")[:PER_SOURCE])
    followed = list(report_queries.followed_reports(user).exclude(reporter=user).order_by("-updated_at")[:PER_SOURCE])
    for kind, reports in (("report", mine), ("followed", followed)):
        for r in reports:
            late = r.status in REPORT_OPEN and r.resolve_due_at is not None and r.resolve_due_at < now
            step = _("Xác nhận đã xử lý xong hoặc chưa") if kind == "report" and r.status == ReportStatus.RESOLVED \
                else ""
            cases.append(Case(kind, r.code or "", f"{r.category.name}: {_title(r.description)}", r.status,
                              str(ReportStatus(r.status).label), r.updated_at, r.resolve_due_at, late,
                              reverse("reports:detail", args=[r.code]), step))
    return cases


def _dossiers(user: Any, now: dt.datetime) -> list[Case]:
    f = dossier_queries.DossierFilter(applicant_id=user.pk)
    dossiers = list(dossier_queries.dossiers(f)[:PER_SOURCE])
    rated = set(Rating.objects.filter(dossier__in=dossiers).values_list("dossier_id", flat=True))
    cases = []
    for d in dossiers:
        step = ""
        if d.status == dossier_states.Status.SUPPLEMENT:
            step = _("Bổ sung giấy tờ theo yêu cầu")
        elif d.status == dossier_states.Status.FEES:
            step = _("Nộp phí, lệ phí")
        elif d.status in dossier_states.RATABLE and d.pk not in rated:
            step = _("Đánh giá mức độ hài lòng")
        cases.append(Case("dossier", d.code, d.procedure.name, d.status,
                          str(dossier_states.Status(d.status).label), d.updated_at, d.due_at,
                          dossier_queries.is_overdue(d, now), reverse("dossiers:detail", args=[d.code]), step))
    return cases


def my_cases(user: Any, now: dt.datetime | None = None) -> list[Case]:
    now = now or timezone.now()
    cases = _reports(user, now) + _dossiers(user, now)
    return sorted(cases, key=lambda c: c.updated_at, reverse=True)
