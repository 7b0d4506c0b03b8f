"""Business rules of incident reports. Every change is a ``verb_noun(..., actor=...)`` function in this package.

The package is split by action family; callers import the package (``from congdanso.reports import services``) and
use the names re-exported here:

- ``common``: topics, who may work on a report, the one locked transition (``_transition``);
- ``submit``: filing a report (input, checks, idempotency, rate limits);
- ``workflow``: staff moves (forward, receive, assign, start, progress, resolve, reject, transfer);
- ``residents``: confirm, dispute, follow / "me too", and the automatic close after the confirmation window;
- ``moderation``: notes, text moderation, photo redaction, reporter identity;
- ``merge``: duplicates;
- ``deadlines``: deadline scheduling and escalations;
- ``boundaries``: ward boundary import;
- ``catalogue``: category questions and reply templates (agency and city admins).
"""

from congdanso.reports.services.boundaries import import_boundaries
from congdanso.reports.services.catalogue import (
    delete_category_question,
    delete_reply_template,
    save_category_question,
    save_reply_template,
)
from congdanso.reports.services.common import (
    AUTOCLOSE_TOPIC,
    DEADLINE_TOPIC,
    EVENT_TOPIC,
    FORWARD_DEADLINE_TOPIC,
    MAP_TOPIC,
    can_work_on,
    get_report,
    is_city_admin,
    tracking_code,
)
from congdanso.reports.services.deadlines import escalate_overdue, escalate_unforwarded, schedule_deadline
from congdanso.reports.services.merge import merge_report
from congdanso.reports.services.moderation import (
    Identity,
    add_note,
    can_moderate,
    flag_for_moderation,
    grant_identity,
    hide_photo,
    mark_reviewed,
    moderate_report,
    moderation_queue,
    redact_photo,
    reporter_identity,
)
from congdanso.reports.services.residents import (
    autoclose_report,
    confirm_report,
    dispute_report,
    follow_report,
    unfollow_report,
)
from congdanso.reports.services.submit import ReportInput, Submitted, Upload, record_call, submit_report
from congdanso.reports.services.workflow import (
    assign_report,
    bulk_assign_reports,
    forward_report,
    post_progress,
    receive_report,
    reject_report,
    resolve_report,
    start_report,
    transfer_report,
)

__all__ = [
    "AUTOCLOSE_TOPIC",
    "DEADLINE_TOPIC",
    "EVENT_TOPIC",
    "FORWARD_DEADLINE_TOPIC",
    "MAP_TOPIC",
    "Identity",
    "ReportInput",
    "Submitted",
    "Upload",
    "add_note",
    "assign_report",
    "autoclose_report",
    "bulk_assign_reports",
    "can_moderate",
    "can_work_on",
    "confirm_report",
    "delete_category_question",
    "delete_reply_template",
    "dispute_report",
    "escalate_overdue",
    "escalate_unforwarded",
    "flag_for_moderation",
    "follow_report",
    "forward_report",
    "get_report",
    "grant_identity",
    "hide_photo",
    "import_boundaries",
    "is_city_admin",
    "mark_reviewed",
    "merge_report",
    "moderate_report",
    "moderation_queue",
    "post_progress",
    "receive_report",
    "record_call",
    "redact_photo",
    "reject_report",
    "reporter_identity",
    "resolve_report",
    "save_category_question",
    "save_reply_template",
    "schedule_deadline",
    "start_report",
    "submit_report",
    "tracking_code",
    "transfer_report",
    "unfollow_report",
]
