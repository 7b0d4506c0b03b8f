"""Shared reads of dossiers: what is derived (overdue, on time), the timeline, and the one filter builder used by
every list (the agency's back office, the applicant's own list, the integration API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from congdanso.dossiers import states
from congdanso.dossiers.models import Dossier, DossierEvent
from congdanso.dossiers.states import Status


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
