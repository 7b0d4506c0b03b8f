"""Shared reads of dossiers: what is derived (overdue, on time), the timeline, and the one filter builder used by
every list (the agency's back office, the applicant's own list, the integration API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from congdanso.agencies.models import Agency
from congdanso.dossiers import states
from congdanso.dossiers.models import Dossier, DossierEvent, Rating, Satisfaction
from congdanso.dossiers.states import Status
from congdanso.lib.workdays import LOCAL_ZONE


def is_overdue(dossier: Dossier, now: dt.datetime | None = None) -> bool:
    """Quá hạn: still in the agency's hands after the due date (never while it waits for the applicant)."""
    if dossier.due_at is None or dossier.status not in states.OPEN or dossier.status in states.PAUSED:
        return False
    return (now or timezone.now()) > dossier.due_at


def on_time(dossier: Dossier, now: dt.datetime | None = None) -> bool | None:
    """Whether the agency kept the date it gave: for a finished dossier, finished by the due date; for an open one,
    not overdue yet. None when there is no due date, or the applicant ended it (withdrawn)."""
    if dossier.due_at is None or dossier.status == Status.WITHDRAWN:
        return None
    if dossier.finished_at is not None:
        return dossier.finished_at <= dossier.due_at
    return not is_overdue(dossier, now)


def timeline(dossier: Dossier, *, public_only: bool = True) -> list[DossierEvent]:
    events = DossierEvent.objects.filter(dossier=dossier).order_by("created_at", "id")
    if public_only:
        events = events.filter(is_public=True)
    return list(events)


@dataclass
class DossierFilter:
    """The filters of every dossier list. Unknown values are ignored rather than refused (a list page must open)."""

    status: str = ""
    agency_ids: set[int] | None = None  # None: every agency (city admins)
    procedure_code: str = ""
    applicant_id: int | None = None
    overdue: bool = False
    text: str = ""  # a code or its start

    @classmethod
    def from_params(cls, params: Any, **fixed: Any) -> DossierFilter:
        status = states.status_from(params.get("status", "") or "") or ""
        return cls(status=status, procedure_code=(params.get("procedure", "") or "")[:30],
                   overdue=(params.get("overdue", "") or "") in ("1", "true", "on"),
                   text=(params.get("q", "") or "").strip()[:64], **fixed)


def dossiers(f: DossierFilter, now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """The one filter builder: newest change first."""
    qs = Dossier.objects.select_related("procedure", "agency")
    if f.agency_ids is not None:
        qs = qs.filter(agency_id__in=f.agency_ids)
    if f.applicant_id is not None:
        qs = qs.filter(applicant_id=f.applicant_id)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.procedure_code:
        qs = qs.filter(procedure__code=f.procedure_code)
    if f.text:
        qs = qs.filter(code__startswith=f.text)
    if f.overdue:
        working = set(states.OPEN) - set(states.PAUSED)
        qs = qs.filter(Q(status__in=working) & Q(due_at__lt=now or timezone.now()))
    return qs.order_by("-updated_at", "-id")


@dataclass
class AgencyMonth:
    """One agency's service in one month (Decision 766): ratings and the dossiers it finished."""

    agency_code: str
    agency_name: str
    month: dt.date
    ratings: int = 0
    satisfied: int = 0  # satisfied or very satisfied
    score_total: int = 0
    finished: int = 0
    on_time: int = 0

    @property
    def satisfied_share(self) -> float | None:
        return round(100 * self.satisfied / self.ratings, 1) if self.ratings else None

    @property
    def average_score(self) -> float | None:
        return round(self.score_total / self.ratings, 2) if self.ratings else None

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.on_time / self.finished, 1) if self.finished else None


def service_stats(*, months: int = 12, agency_code: str = "", now: dt.datetime | None = None) -> list[AgencyMonth]:
    """Per agency and month, newest month first: ratings (share satisfied or very satisfied, average of the 18
    points) and the on-time rate of the dossiers finished that month. Two grouped queries, no per-row work."""
    now = now or timezone.now()
    local = now.astimezone(LOCAL_ZONE)
    first = (local.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=31 * (months - 1))
             ).replace(day=1)
    ratings = Rating.objects.filter(created_at__gte=first)
    finished = Dossier.objects.filter(finished_at__gte=first, due_at__isnull=False).exclude(status=Status.WITHDRAWN)
    if agency_code:
        ratings = ratings.filter(agency__code=agency_code)
        finished = finished.filter(agency__code=agency_code)
    rows: dict[tuple[int, dt.date], AgencyMonth] = {}
    names = dict(Agency.objects.values_list("pk", "code"))
    labels = dict(Agency.objects.values_list("pk", "name"))

    def row(agency_id: int, month: dt.datetime | dt.date) -> AgencyMonth:
        day = month.date() if isinstance(month, dt.datetime) else month
        key = (agency_id, day)
        if key not in rows:
            rows[key] = AgencyMonth(names.get(agency_id, ""), labels.get(agency_id, ""), day)
        return rows[key]

    satisfied = Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED])
    for item in (ratings.annotate(month=TruncMonth("created_at", tzinfo=LOCAL_ZONE)).values("agency_id", "month")
                 .annotate(n=Count("id"), ok=Count("id", filter=satisfied), points=Sum("total"))):
        r = row(item["agency_id"], item["month"])
        r.ratings, r.satisfied, r.score_total = item["n"], item["ok"], item["points"] or 0
    for item in (finished.annotate(month=TruncMonth("finished_at", tzinfo=LOCAL_ZONE)).values("agency_id", "month")
                 .annotate(n=Count("id"), kept=Count("id", filter=Q(finished_at__lte=F("due_at"))))):
        r = row(item["agency_id"], item["month"])
        r.finished, r.on_time = item["n"], item["kept"]
    return sorted(rows.values(), key=lambda r: (-r.month.toordinal(), r.agency_name))
