"""The lifecycle of an incident report, declared once: statuses and the moves each action may make.

``submitted → received → assigned → in_progress → resolved → closed``, plus ``rejected`` (with a reason),
``duplicate`` (merged into another report), ``transferred`` (handed to another agency, which must receive it) and
``reopened`` (the resident disputed the fix; back to the same agency). "Overdue" is not a status: it is derived from
the stored due time.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the status does not change (an event on the timeline only)


# action → which statuses it may start from and where it leads. The one lifecycle table of the app.
TRANSITIONS: dict[str, Move] = {
    "forward": Move(frozenset({S.SUBMITTED}), None),  # triage routes an unroutable report to an agency
    "receive": Move(frozenset({S.SUBMITTED, S.TRANSFERRED, S.REOPENED}), S.RECEIVED),
    "assign": Move(frozenset({S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED}), S.ASSIGNED),
    "start": Move(frozenset({S.RECEIVED, S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS),
    "progress": Move(WORKING, None),
    "resolve": Move(WORKING, S.RESOLVED),
    "confirm": Move(frozenset({S.RESOLVED}), S.CLOSED),
    "autoclose": Move(frozenset({S.RESOLVED}), S.CLOSED),
    "dispute": Move(frozenset({S.RESOLVED}), S.REOPENED),
    "reject": Move(frozenset({S.SUBMITTED, S.TRANSFERRED}) | WORKING, S.REJECTED),
    "merge": Move(OPEN, S.DUPLICATE),
    "transfer": Move(frozenset({S.SUBMITTED, S.TRANSFERRED}) | WORKING, S.TRANSFERRED),
    "note": Move(frozenset(Status.values), None),  # internal note, never public
    "moderate": Move(frozenset(Status.values), None),
}


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
EVENT_LABELS = {
    "submitted": _("Đã gửi phản ánh"),
    "routed": _("Đã chuyển đến cơ quan xử lý"),
    "triage": _("Chờ phân loại, chuyển xử lý"),
    "forward": _("Đã chuyển đến cơ quan xử lý"),
    "receive": _("Cơ quan đã tiếp nhận"),
    "assign": _("Đã giao cán bộ xử lý"),
    "start": _("Bắt đầu xử lý"),
    "progress": _("Cập nhật tiến độ"),
    "resolve": _("Đã xử lý xong"),
    "confirm": _("Người phản ánh xác nhận đã xử lý"),
    "autoclose": _("Tự động đóng sau thời hạn xác nhận"),
    "dispute": _("Người phản ánh chưa đồng ý, mở lại"),
    "reject": _("Không tiếp nhận"),
    "merge": _("Gộp vào phản ánh trùng"),
    "merged_in": _("Đã gộp một phản ánh trùng vào đây"),
    "transfer": _("Chuyển cơ quan khác"),
    "escalate": _("Quá hạn, đã báo lãnh đạo cơ quan"),
    "escalate_forward": _("Quá hạn chuyển xử lý, đã báo ban điều phối"),
    "note": _("Ghi chú nội bộ"),
    "moderate": _("Nội dung đã được biên tập"),
}
