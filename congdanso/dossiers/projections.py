"""The public projection of a dossier: what anyone holding the code may see, the same for the lookup page, the
API and the webhooks. Never the applicant: not their name, ID number, phone or account.

``DETAILS`` adds what only the applicant (signed in, or proving the last digits of their ID number) and the
agency's staff see: the public timeline, fees, the result text and the apology.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from congdanso.dossiers import queries, states
from congdanso.dossiers.models import Dossier, DossierEvent
from congdanso.dossiers.states import Status


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def public(dossier: Dossier, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "agency": dossier.agency.code,
        "agency_name": dossier.agency.name,
        "status": dossier.status,
        "status_code": states.national_code(dossier.status),
        "status_name": str(Status(dossier.status).label),
        "submitted_at": _iso(dossier.submitted_at),
        "accepted_at": _iso(dossier.accepted_at),
        "due_at": _iso(dossier.due_at),
        "finished_at": _iso(dossier.finished_at),
        "returned_at": _iso(dossier.returned_at),
        "overdue": queries.is_overdue(dossier, now),
        "on_time": queries.on_time(dossier, now),
        "updated_at": _iso(dossier.updated_at),
    }


def event(e: DossierEvent) -> dict[str, Any]:
    return {"kind": e.kind, "label": str(states.EVENT_LABELS.get(e.kind, e.kind)), "status": e.to_status,
            "status_code": states.NATIONAL_CODE.get(e.to_status), "message": e.message,
            "by": e.actor_label if not e.actor_label.startswith("@") else "", "at": _iso(e.created_at)}


def details(dossier: Dossier, now: dt.datetime | None = None) -> dict[str, Any]:
    return {
        **public(dossier, now),
        "channel": dossier.channel,
        "fee_amount": dossier.fee_amount,
        "fee_status": dossier.fee_status,
        "result": dossier.result,
        "apology": dossier.apology,
        "original_due_at": _iso(dossier.original_due_at) if dossier.apology else None,
        "paused_days": round(dossier.paused_seconds / 86400, 1),
        "timeline": [event(e) for e in queries.timeline(dossier)],
    }


def webhook(dossier: Dossier, e: DossierEvent) -> dict[str, Any]:
    return {**public(dossier), "event": e.kind, "message": e.message if e.is_public else ""}
