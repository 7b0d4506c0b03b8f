"""Staff work on a report's content: internal notes, moderation of the text, photo redaction, and who may see
the reporter's identity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from congdanso.accounts.actors import Actor, is_staff_member
from congdanso.accounts.models import User
from congdanso.accounts.roles import Role
from congdanso.accounts.services import has_role
from congdanso.core import audit
from congdanso.reports import photos as photo_store
from congdanso.reports.errors import NotAllowed, invalid
from congdanso.reports.models import IdentityGrant, Report, ReportEvent, ReportPhoto
from congdanso.reports.services.common import (
    _event,
    _locked,
    _now,
    _require_worker,
    _transition,
    can_work_on,
)

# --- staff: notes, moderation, identity ---------------------------------------------------------------------------

def add_note(report: Report | int, *, actor: Actor, text: str, request: Any = None) -> ReportEvent:
    """An internal note: never public, never sent to the resident."""
    text = (text or "").strip()
    if not text:
        raise invalid("reason_required")
    with transaction.atomic():
        locked = _locked(report)
        _require_worker(actor, locked)
        event = _event(locked, "note", actor=actor, message=text, public=False)
        audit.record("report.note", actor=actor, obj=locked, request=request)
    return event


def can_moderate(user: Actor) -> bool:
    """Editors and city admins moderate every agency's reports (the moderation queue)."""
    return is_staff_member(user) and has_role(user, Role.EDITOR, Role.CITY_ADMIN)


def _require_moderator(actor: Actor, report: Report) -> None:
    """Who may edit a report's public text or redact its photos: an editor or city admin, or the agency's staff."""
    if not (can_moderate(actor) or can_work_on(actor, report)):
        raise NotAllowed()


def moderation_queue() -> Any:
    """New reports no editor has looked at yet (of the last ``REPORTS_MODERATION_DAYS`` days) and reports someone
    flagged for an editor, across agencies; flagged first, then oldest first."""
    from django.db.models import Case, IntegerField, Q, Value, When

    since = _now() - dt.timedelta(days=settings.REPORTS_MODERATION_DAYS)
    return (Report.objects.filter(Q(reviewed_at__isnull=True, created_at__gte=since) | ~Q(moderation_flag=""))
            .select_related("category", "agency", "ward")
            .annotate(flag_first=Case(When(~Q(moderation_flag=""), then=Value(0)), default=Value(1),
                                      output_field=IntegerField()))
            .order_by("flag_first", "created_at", "pk"))


def moderate_report(report: Report | int, *, actor: Actor, description: str | None = None,
                    hidden: bool | None = None, reason: str = "", request: Any = None) -> Report:
    """Edit the public text (e.g. remove a phone number or an insult) or hide the report from the public. The edit
    shows on the public timeline as "đã biên tập" with its reason; the text it replaced stays in an internal note."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    before: dict[str, Any] = {}
    data: dict[str, Any] = {}  # filled by change(), read by the transition's event and audit entry after it

    def change(r: Report) -> None:
        if description is not None and description.strip() and description.strip() != r.description:
            before["description"] = r.description
            r.description = description.strip()[:4000]
        if hidden is not None and hidden != r.is_hidden:
            before["is_hidden"] = r.is_hidden
            r.is_hidden = hidden
            r.hidden_reason = reason[:300] if hidden else ""
        if not before:
            raise invalid("nothing_changed")  # never a public "đã biên tập" for an edit that changed nothing
        r.reviewed_at, r.moderation_flag = _now(), ""
        data["changed"] = sorted(before)

    def keep_old_text(r: Report) -> None:
        # The old text goes to an internal note (staff only), not to the public timeline; written in the
        # transition's transaction, so the edit and the record of what it replaced commit or roll back together.
        if before.get("description"):
            _event(r, "note", actor=actor, public=False,
                   message=_("Nội dung trước khi biên tập: %(text)s") % {"text": before["description"]})

    def authorize(r: Report) -> None:
        _require_moderator(actor, r)

    return _transition(report, "moderate", actor=actor, message=reason, authorize=authorize, change=change,
                       data=data, request=request, after=keep_old_text, label="@editor")


def flag_for_moderation(report: Report | int, *, actor: Actor, reason: str, request: Any = None) -> Report:
    """Staff working on a report ask an editor to look at its text or photos (it joins the moderation queue)."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    with transaction.atomic():
        locked = _locked(report)
        _require_moderator(actor, locked)
        locked.moderation_flag = reason[:300]
        locked.save(update_fields=["moderation_flag"])
        audit.record("report.moderation_flagged", actor=actor, obj=locked, request=request)
    return locked


def mark_reviewed(report: Report | int, *, actor: Actor, request: Any = None) -> Report:
    """An editor looked at the report and nothing needs changing: it leaves the moderation queue."""
    with transaction.atomic():
        locked = _locked(report)
        if not can_moderate(actor):
            raise NotAllowed()
        locked.reviewed_at, locked.moderation_flag = _now(), ""
        locked.save(update_fields=["reviewed_at", "moderation_flag"])
        audit.record("report.moderation_reviewed", actor=actor, obj=locked, request=request)
    return locked


def _photo_moderated(photo: ReportPhoto, *, actor: Actor, reason: str) -> None:
    """A photo's redaction or hiding, on the public timeline with its reason; the report counts as looked at."""
    report = photo.report
    Report.objects.filter(pk=report.pk).update(reviewed_at=_now(), moderation_flag="")
    _event(report, "redact", actor=actor, message=reason, actor_label="@editor", data={"photo": photo.pk})


def redact_photo(photo: ReportPhoto | int, *, actor: Actor, boxes: list[tuple[float, float, float, float]],
                 blur: bool = False, reason: str = "", request: Any = None) -> ReportPhoto:
    """Black out (or blur) regions of a photo — faces, number plates. The unredacted image is not kept."""
    from django.core.files.storage import default_storage

    from congdanso.lib.images import redact

    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason_required")
    if not boxes:
        raise invalid("redact_boxes_required")
    pk = photo.pk if isinstance(photo, ReportPhoto) else photo
    with photo_store.files_cleanup(), transaction.atomic():
        locked = (ReportPhoto.objects.select_for_update(of=("self",))
                  .select_related("report", "report__agency").get(pk=pk))
        _require_moderator(actor, locked.report)
        with default_storage.open(locked.image.name, "rb") as handle:
            original = handle.read()
        content, thumbnail = redact(original, boxes, blur=blur)
        old = photo_store.replace(locked, content, thumbnail)
        locked.redacted_at = _now()
        locked.save()
        _photo_moderated(locked, actor=actor, reason=reason)
        audit.record("report.photo_redacted", actor=actor, obj=locked.report, request=request, photo=locked.pk,
                     boxes=len(boxes), reason=reason[:300])
        transaction.on_commit(lambda: photo_store.delete_files(old))
    return locked


def hide_photo(photo: ReportPhoto | int, *, actor: Actor, hidden: bool = True, reason: str = "",
               request: Any = None) -> ReportPhoto:
    """Hide a photo from the public (a redaction: on the public timeline with its reason) or show it again."""
    reason = (reason or "").strip()
    if hidden and not reason:
        raise invalid("reason_required")
    pk = photo.pk if isinstance(photo, ReportPhoto) else photo
    with transaction.atomic():
        locked = (ReportPhoto.objects.select_for_update(of=("self",))
                  .select_related("report", "report__agency").get(pk=pk))
        _require_moderator(actor, locked.report)
        locked.is_hidden = hidden
        locked.save(update_fields=["is_hidden"])
        if hidden:
            _photo_moderated(locked, actor=actor, reason=reason)
        audit.record("report.photo_hidden" if hidden else "report.photo_shown", actor=actor, obj=locked.report,
                     request=request, photo=locked.pk)
    return locked


def grant_identity(report: Report | int, *, grantee: User, actor: Actor, reason: str, days: int | None = None,
                   request: Any = None) -> IdentityGrant:
    """A data protection officer lets one staff member see a hidden reporter's identity, for a while (audited)."""
    if not (is_staff_member(actor) and has_role(actor, Role.DATA_PROTECTION_OFFICER)):
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


def reporter_identity(report: Report, *, viewer: Actor, request: Any = None) -> Identity | None:
    """Who reported, for a staff member allowed to know; every reveal is audited. None: not allowed or unknown.

    The public never sees it. The handling agency sees it unless the resident hid it; then only a grantee of a
    data protection officer (or a DPO) does.
    """
    if not is_staff_member(viewer):
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
