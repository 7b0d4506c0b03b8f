"""Staff work on a report's content: internal notes, moderation of the text, photo redaction, and who may see
the reporter's identity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from congdanso.accounts.models import User
from congdanso.accounts.roles import Role
from congdanso.accounts.services import has_role
from congdanso.core import audit
from congdanso.reports import photos as photo_store
from congdanso.reports.errors import NotAllowed, invalid
from congdanso.reports.models import IdentityGrant, Report, ReportEvent, ReportPhoto
from congdanso.reports.services.common import (
    _event,
    _is_staff,
    _locked,
    _now,
    _require_worker,
    _transition,
    can_work_on,
    get_report,
)

# --- staff: notes, moderation, identity ---------------------------------------------------------------------------

def add_note(report: Report | int, *, actor: Any, text: str, request: Any = None) -> ReportEvent:
    """An internal note: never public, never sent to the resident."""
    text = (text or "").strip()
    if not text:
        raise invalid("reason_required")
    with transaction.atomic():
        locked = _locked(report)
        _require_worker(actor, locked)
        locked = get_report(locked.pk)
        event = _event(locked, "note", actor=actor, message=text, public=False)
        audit.record("report.note", actor=actor, obj=locked, request=request)
    return event


def moderate_report(report: Report | int, *, actor: Any, description: str | None = None,
                    hidden: bool | None = None, reason: str = "", request: Any = None) -> Report:
    """Edit the public text (e.g. remove a phone number or an insult) or hide the report from the public."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    before: dict[str, Any] = {}

    def change(r: Report) -> None:
        if description is not None and description.strip() and description.strip() != r.description:
            before["description"] = r.description
            r.description = description.strip()[:4000]
        if hidden is not None and hidden != r.is_hidden:
            before["is_hidden"] = r.is_hidden
            r.is_hidden = hidden
            r.hidden_reason = reason[:300] if hidden else ""

    # The old text goes to the internal note (staff only), not to the public timeline.
    report = _transition(report, "moderate", actor=actor, message=reason, public=False,
                         authorize=lambda r: _require_worker(actor, r), change=change,
                         data={"changed": sorted(before)}, request=request)
    if before.get("description"):
        ReportEvent.objects.create(report=report, kind="note", actor=actor, actor_label=str(actor),
                                   is_public=False, message=_("Nội dung trước khi biên tập: %(text)s")
                                   % {"text": before["description"]})
    return report


def redact_photo(photo: ReportPhoto | int, *, actor: Any, boxes: list[tuple[float, float, float, float]],
                 blur: bool = False, request: Any = None) -> ReportPhoto:
    """Black out (or blur) regions of a photo — faces, number plates. The unredacted image is not kept."""
    from django.core.files.storage import default_storage

    from congdanso.lib.images import redact

    pk = photo.pk if isinstance(photo, ReportPhoto) else photo
    with photo_store.files_cleanup(), transaction.atomic():
        locked = (ReportPhoto.objects.select_for_update(of=("self",))
                  .select_related("report", "report__agency").get(pk=pk))
        _require_worker(actor, locked.report)
        with default_storage.open(locked.image.name, "rb") as handle:
            original = handle.read()
        content, thumbnail = redact(original, boxes, blur=blur)
        old = photo_store.replace(locked, content, thumbnail)
        locked.redacted_at = _now()
        locked.save()
        audit.record("report.photo_redacted", actor=actor, obj=locked.report, request=request, photo=locked.pk,
                     boxes=len(boxes))
        transaction.on_commit(lambda: photo_store.delete_files(old))
    return locked


def hide_photo(photo: ReportPhoto | int, *, actor: Any, hidden: bool = True, request: Any = None) -> ReportPhoto:
    pk = photo.pk if isinstance(photo, ReportPhoto) else photo
    with transaction.atomic():
        locked = (ReportPhoto.objects.select_for_update(of=("self",))
                  .select_related("report", "report__agency").get(pk=pk))
        _require_worker(actor, locked.report)
        locked.is_hidden = hidden
        locked.save(update_fields=["is_hidden"])
        audit.record("report.photo_hidden" if hidden else "report.photo_shown", actor=actor, obj=locked.report,
                     request=request, photo=locked.pk)
    return locked


def grant_identity(report: Report | int, *, grantee: User, actor: Any, reason: str, days: int | None = None,
                   request: Any = None) -> IdentityGrant:
    """A data protection officer lets one staff member see a hidden reporter's identity, for a while (audited)."""
    if not (_is_staff(actor) and has_role(actor, Role.DATA_PROTECTION_OFFICER)):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    with transaction.atomic():
        locked = _locked(report)
        grant = IdentityGrant.objects.create(
            report=locked, grantee=grantee, granted_by=actor, reason=reason[:500],
            expires_at=_now() + dt.timedelta(days=days or settings.REPORTS_IDENTITY_GRANT_DAYS),
        )
        audit.record("report.identity_granted", actor=actor, obj=locked, request=request, grantee=grantee.pk,
                     reason=reason[:500])
    return grant


@dataclass(frozen=True)
class Identity:
    name: str
    phone: str
    email: str
    account: str


def reporter_identity(report: Report, *, viewer: Any, request: Any = None) -> Identity | None:
    """Who reported, for a staff member allowed to know; every reveal is audited. None: not allowed or unknown.

    The public never sees it. The handling agency sees it unless the resident hid it; then only a grantee of a
    data protection officer (or a DPO) does.
    """
    if not _is_staff(viewer):
        return None
    is_dpo = has_role(viewer, Role.DATA_PROTECTION_OFFICER)
    if not (can_work_on(viewer, report) or is_dpo):
        return None
    if report.identity_hidden and not is_dpo:
        granted = IdentityGrant.objects.filter(report=report, grantee=viewer, expires_at__gt=_now()).exists()
        if not granted:
            return None
    reporter = User.objects.filter(pk=report.reporter_id).first() if report.reporter_id else None
    identity = Identity(
        name=(reporter.display_name if reporter else "") or report.contact_name,
        phone=report.contact_phone, email=report.contact_email,
        account=reporter.username if reporter else "",
    )
    if not (identity.name or identity.phone or identity.email):
        return None
    audit.record("report.identity_viewed", actor=viewer, obj=report, request=request,
                 hidden=report.identity_hidden)
    return identity
