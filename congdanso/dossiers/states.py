"""The lifecycle of a dossier (hồ sơ), declared once: the national portal's 10 statuses and the moves between them.

The statuses and their national codes (1–10) are those of the national public-service portal. "Overdue" (quá hạn)
is not a status: it is derived from the due date. Waiting for supplements (5) or fees (6) pauses the deadline; the
move that ends the wait goes back to where the dossier was (``RESUME``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Mới đăng ký")
    ACCEPTED = "accepted", _("Được tiếp nhận")
    REFUSED = "refused", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT = "supplement", _("Yêu cầu bổ sung giấy tờ")
    FEES = "fees", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    DONE = "done", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


S = Status

# The national portal's status codes.
NATIONAL_CODE: dict[str, int] = {
    S.SUBMITTED: 1, S.ACCEPTED: 2, S.REFUSED: 3, S.PROCESSING: 4, S.SUPPLEMENT: 5, S.FEES: 6, S.WITHDRAWN: 7,
    S.STOPPED: 8, S.DONE: 9, S.RETURNED: 10,
}
BY_NATIONAL_CODE: dict[int, str] = {number: status for status, number in NATIONAL_CODE.items()}

# The deadline clock is stopped while the dossier waits for the applicant.
PAUSED = frozenset({S.SUPPLEMENT, S.FEES})
# Nothing more will happen to the dossier (but returning a finished result).
ENDED = frozenset({S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED})
# The agency's work is over: "on time or not" compares this moment with the due date.
FINISHED = ENDED | {S.DONE}
# Still in the agency's hands: the dossier may become overdue.
OPEN = frozenset(set(Status) - FINISHED)
# The applicant may rate the service (Decision 766: once, after the dossier ends).
RATABLE = frozenset({S.DONE, S.RETURNED, S.REFUSED, S.STOPPED})

RESUME = "@resume"  # target of the moves that end a wait: back to the status before it


class EventKind(models.TextChoices):
    """Every kind of line on a dossier's timeline; the label is the public text shown for it."""

    SUBMIT = "submit", _("Đã nộp hồ sơ trực tuyến")
    REGISTER = "register", _("Hồ sơ được tiếp nhận tại bộ phận một cửa")
    ACCEPT = "accept", _("Hồ sơ được tiếp nhận")
    REFUSE = "refuse", _("Hồ sơ không được tiếp nhận")
    PROCESS = "process", _("Hồ sơ đang được xử lý")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung giấy tờ")
    SUPPLEMENT = "supplement", _("Đã bổ sung giấy tờ")
    REQUEST_FEES = "request_fees", _("Yêu cầu nộp phí, lệ phí")
    PAY_FEES = "pay_fees", _("Đã nộp phí, lệ phí")
    WITHDRAW = "withdraw", _("Công dân rút hồ sơ")
    STOP = "stop", _("Dừng xử lý hồ sơ")
    FINISH = "finish", _("Đã xử lý xong, chờ trả kết quả")
    RETURN = "return", _("Đã trả kết quả")
    APOLOGISE = "apologise", _("Cơ quan xin lỗi vì trễ hẹn và hẹn lại ngày trả kết quả")
    NOTE = "note", _("Ghi chú nội bộ")


class Who(StrEnum):
    """Who may take an action."""

    STAFF = "staff"  # the receiving agency's officers (and one-stop-shop systems acting for it)
    APPLICANT = "applicant"  # the applicant, signed in
    PLATFORM = "platform"  # written by the platform itself (creation)


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the status does not change; RESUME: back to the status before the wait
    who: Who = Who.STAFF
    public: bool = True  # on the applicant's timeline, in the public lookup's details, told to the applicant
    needs_message: bool = False  # a reason the applicant reads (refusal, what to supplement, why stopped)


K = EventKind
_WORKING = frozenset({S.ACCEPTED, S.PROCESSING})

# event kind → where it may start, where it leads, who takes it. The one lifecycle table of the app.
ACTIONS: dict[str, Move] = {
    K.SUBMIT: Move(frozenset(), S.SUBMITTED, who=Who.PLATFORM),
    K.REGISTER: Move(frozenset(), S.ACCEPTED, who=Who.PLATFORM),
    K.ACCEPT: Move(frozenset({S.SUBMITTED}), S.ACCEPTED),
    K.REFUSE: Move(frozenset({S.SUBMITTED}), S.REFUSED, needs_message=True),
    K.PROCESS: Move(frozenset({S.ACCEPTED}), S.PROCESSING),
    K.REQUEST_SUPPLEMENT: Move(frozenset({S.SUBMITTED}) | _WORKING, S.SUPPLEMENT, needs_message=True),
    K.SUPPLEMENT: Move(frozenset({S.SUPPLEMENT}), RESUME, who=Who.APPLICANT),
    K.REQUEST_FEES: Move(_WORKING, S.FEES, needs_message=True),
    K.PAY_FEES: Move(frozenset({S.FEES}), RESUME),
    K.WITHDRAW: Move(OPEN, S.WITHDRAWN, who=Who.APPLICANT),
    K.STOP: Move(_WORKING | PAUSED, S.STOPPED, needs_message=True),
    K.FINISH: Move(_WORKING, S.DONE),
    K.RETURN: Move(frozenset({S.DONE}), S.RETURNED),
    K.APOLOGISE: Move(OPEN, None, needs_message=True),
    K.NOTE: Move(frozenset(Status.values), None, public=False),
}

# The actions people take, with the statuses they start from.
TRANSITIONS: dict[str, Move] = {kind: move for kind, move in ACTIONS.items() if move.sources}
STAFF_ACTIONS = tuple(kind for kind, move in TRANSITIONS.items() if move.who == Who.STAFF)
EVENT_LABELS = {kind.value: kind.label for kind in EventKind}
# The words on the button that takes each action.
ACTION_VERBS: dict[str, Any] = {
    K.ACCEPT: _("Tiếp nhận hồ sơ"), K.REFUSE: _("Không tiếp nhận"), K.PROCESS: _("Bắt đầu xử lý"),
    K.REQUEST_SUPPLEMENT: _("Yêu cầu bổ sung giấy tờ"), K.SUPPLEMENT: _("Gửi giấy tờ bổ sung"),
    K.REQUEST_FEES: _("Yêu cầu nộp phí, lệ phí"), K.PAY_FEES: _("Xác nhận đã nộp phí"),
    K.WITHDRAW: _("Rút hồ sơ"), K.STOP: _("Dừng xử lý"), K.FINISH: _("Đã xử lý xong"),
    K.RETURN: _("Trả kết quả"), K.APOLOGISE: _("Gửi thư xin lỗi, hẹn lại ngày"), K.NOTE: _("Thêm ghi chú nội bộ"),
}


def can(action: str, status: str) -> bool:
    move = TRANSITIONS.get(action)
    return move is not None and status in move.sources


def allowed_from(status: str, *, who: Who | None = None) -> list[str]:
    """The moves of status that may start from ``status`` (for a 409 that names them, and for the back office's
    buttons); lines on the timeline only (apology, note) are not among them."""
    return [kind for kind, move in TRANSITIONS.items()
            if move.target and status in move.sources and (who is None or move.who == who)]


def target(action: str, status: str, paused_from: str = "") -> str:
    move = ACTIONS[action]
    if move.target == RESUME:
        return paused_from or S.PROCESSING
    return move.target or status


def is_public(kind: str) -> bool:
    move = ACTIONS.get(kind)
    return move is not None and move.public


def national_code(status: str) -> int:
    return NATIONAL_CODE[status]


def status_from(value: str | int) -> str | None:
    """A status given either by name (``processing``) or by national code (4 or "4"); None when unknown."""
    text = str(value).strip()
    if text.isdigit():
        return BY_NATIONAL_CODE.get(int(text))
    return text if text in Status.values else None


# Decision 766/QĐ-TTg: the nine criteria a dossier's applicant scores 0–2, and what each score means.
RATING_CRITERIA: tuple[tuple[str, Any], ...] = (
    ("c1", _("Tổng thời gian giải quyết so với thời hạn quy định")),
    ("c2", _("Thời gian giải quyết tại từng cơ quan")),
    ("c3", _("Số lần phải liên hệ với cơ quan để hoàn thiện hồ sơ")),
    ("c4", _("Số cơ quan, đơn vị phải liên hệ")),
    ("c5", _("Tiếp nhận và trả kết quả tại bộ phận một cửa")),
    ("c6", _("Công khai thông tin về thủ tục hành chính")),
    ("c7", _("Thái độ của cán bộ, công chức")),
    ("c8", _("Việc tiếp nhận, xử lý phản ánh, kiến nghị")),
    ("c9", _("Tiến độ, chất lượng dịch vụ công trực tuyến")),
)
RATING_SCORES: tuple[tuple[int, Any], ...] = (
    (2, _("Tốt")), (1, _("Chấp nhận được")), (0, _("Chưa tốt")),
)
