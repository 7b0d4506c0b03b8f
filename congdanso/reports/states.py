"""The lifecycle of an incident report, declared once: statuses and the moves each action may make.

``submitted → received → assigned → in_progress → resolved → closed``, plus ``rejected`` (with a reason),
``duplicate`` (merged into another report), ``transferred`` (handed to another agency, which must receive it) and
``reopened`` (the resident disputed the fix; back to the same agency). "Overdue" is not a status: it is derived from
the stored due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Đã gửi")
    RECEIVED = "received", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đã giao xử lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    RESOLVED = "resolved", _("Đã xử lý xong")
    CLOSED = "closed", _("Đã đóng")
    REJECTED = "rejected", _("Không tiếp nhận")
    DUPLICATE = "duplicate", _("Trùng phản ánh khác")
    TRANSFERRED = "transferred", _("Đã chuyển cơ quan khác")
    REOPENED = "reopened", _("Mở lại")


S = Status

# Statuses in which the report still waits for the city (the SLA clock runs, it counts as "open" in Open311).
OPEN = frozenset({S.SUBMITTED, S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.TRANSFERRED, S.REOPENED})
# Statuses with an answer. ``resolved`` waits for the resident's confirmation but is "closed" for Open311.
FINISHED = frozenset({S.RESOLVED, S.CLOSED, S.REJECTED, S.DUPLICATE})
# Statuses where an agency works on the report (it may post progress, resolve, reject, transfer).
WORKING = frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED})


class EventKind(models.TextChoices):
    """Every kind of line on a report's timeline; the label is the public text shown for it."""

    SUBMITTED = "submitted", _("Đã gửi phản ánh")
    ROUTED = "routed", _("Đã chuyển đến cơ quan xử lý")
    TRIAGE = "triage", _("Chờ phân loại, chuyển xử lý")
    FORWARD = "forward", _("Đã chuyển đến cơ quan xử lý")
    RECEIVE = "receive", _("Cơ quan đã tiếp nhận")
    ASSIGN = "assign", _("Đã giao cán bộ xử lý")
    START = "start", _("Bắt đầu xử lý")
    PROGRESS = "progress", _("Cập nhật tiến độ")
    RESOLVE = "resolve", _("Đã xử lý xong")
    CONFIRM = "confirm", _("Người phản ánh xác nhận đã xử lý")
    AUTOCLOSE = "autoclose", _("Tự động đóng sau thời hạn xác nhận")
    DISPUTE = "dispute", _("Người phản ánh chưa đồng ý, mở lại")
    REJECT = "reject", _("Không tiếp nhận")
    MERGE = "merge", _("Gộp vào phản ánh trùng")
    MERGED_IN = "merged_in", _("Đã gộp một phản ánh trùng vào đây")
    TRANSFER = "transfer", _("Chuyển cơ quan khác")
    ESCALATE = "escalate", _("Quá hạn, đã báo lãnh đạo cơ quan")
    ESCALATE_FORWARD = "escalate_forward", _("Quá hạn chuyển xử lý, đã báo ban điều phối")
    NOTE = "note", _("Ghi chú nội bộ")
    MODERATE = "moderate", _("Đã biên tập nội dung")
    REDACT = "redact", _("Đã biên tập ảnh")


class Audience(StrEnum):
    """Who is told about an event (``events.handle_event`` sends the notifications)."""

    REPORTER = "reporter"  # the resident who reported (not when they did it themselves)
    FOLLOWERS = "followers"  # residents following the report / "me too"
    NEW_WORK = "new_work"  # the handling agency's officers and admins (city coordinators when there is none)
    ASSIGNEE = "assignee"  # the officer just assigned
    ESCALATION = "escalation"  # the administrators named in the event (overdue)


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]  # empty: not an action anyone takes (a line the platform writes)
    target: str | None  # None: the status does not change (an event on the timeline only)
    public: bool = True  # on the public timeline (and in webhooks)
    tells: frozenset[Audience] = frozenset()


K, A = EventKind, Audience
_RESIDENTS = frozenset({A.REPORTER, A.FOLLOWERS})
_NONE: frozenset[str] = frozenset()

# event kind → which statuses the action may start from, where it leads, whether it is public and who is told.
# The one lifecycle table of the app.
ACTIONS: dict[str, Move] = {
    K.SUBMITTED: Move(_NONE, None, tells=frozenset({A.NEW_WORK})),  # announced only when it goes to triage
    K.ROUTED: Move(_NONE, None, tells=_RESIDENTS | {A.NEW_WORK}),
    K.TRIAGE: Move(_NONE, None),
    # triage routes an unroutable report to an agency
    K.FORWARD: Move(frozenset({S.SUBMITTED}), None, tells=_RESIDENTS | {A.NEW_WORK}),
    K.RECEIVE: Move(frozenset({S.SUBMITTED, S.TRANSFERRED, S.REOPENED}), S.RECEIVED, tells=_RESIDENTS),
    K.ASSIGN: Move(frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED}), S.ASSIGNED,
                   tells=_RESIDENTS | {A.ASSIGNEE}),
    K.START: Move(frozenset({S.RECEIVED, S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS, tells=_RESIDENTS),
    K.PROGRESS: Move(WORKING, None, tells=_RESIDENTS),
    K.RESOLVE: Move(WORKING, S.RESOLVED, tells=_RESIDENTS),
    K.CONFIRM: Move(frozenset({S.RESOLVED}), S.CLOSED, tells=_RESIDENTS),
    K.AUTOCLOSE: Move(frozenset({S.RESOLVED}), S.CLOSED, tells=_RESIDENTS),
    K.DISPUTE: Move(frozenset({S.RESOLVED}), S.REOPENED, tells=_RESIDENTS | {A.NEW_WORK}),
    K.REJECT: Move(frozenset({S.SUBMITTED, S.TRANSFERRED}) | WORKING, S.REJECTED, tells=_RESIDENTS),
    K.MERGE: Move(OPEN, S.DUPLICATE, tells=_RESIDENTS),
    K.MERGED_IN: Move(_NONE, None, tells=_RESIDENTS),
    K.TRANSFER: Move(frozenset({S.SUBMITTED, S.TRANSFERRED}) | WORKING, S.TRANSFERRED,
                     tells=_RESIDENTS | {A.NEW_WORK}),
    K.ESCALATE: Move(_NONE, None, public=False, tells=frozenset({A.ESCALATION})),
    K.ESCALATE_FORWARD: Move(_NONE, None, public=False, tells=frozenset({A.ESCALATION})),
    K.NOTE: Move(frozenset(Status.values), None, public=False),  # internal note, never public
    # Every edit of the text and every redaction of a photo shows publicly ("đã biên tập") with its reason.
    K.MODERATE: Move(frozenset(Status.values), None),
    K.REDACT: Move(frozenset(Status.values), None),
}

# The actions people take (staff, residents, the worker's automatic close), with the statuses they start from.
TRANSITIONS: dict[str, Move] = {kind: move for kind, move in ACTIONS.items() if move.sources}


def audience(kind: str) -> frozenset[Audience]:
    """Who is told about an event of this kind (nobody for an unknown kind)."""
    move = ACTIONS.get(kind)
    return move.tells if move is not None else frozenset()


def is_public(kind: str) -> bool:
    move = ACTIONS.get(kind)
    return move is not None and move.public


def can(action: str, status: str) -> bool:
    move = TRANSITIONS.get(action)
    return move is not None and status in move.sources


def target(action: str, status: str) -> str:
    move = TRANSITIONS[action]
    return move.target or status


def is_open(status: str) -> bool:
    return status in OPEN


def open311_status(status: str) -> str:
    """Open311 knows only ``open`` and ``closed``."""
    return "open" if status in OPEN else "closed"


# Words for the timeline, by event kind (public text).
EVENT_LABELS = {kind.value: kind.label for kind in EventKind}
