"""What staff may see of the notifications sent about a report (the delivery-status page, ``reports.report``).

Registered with ``notifications.subjects`` in ``ReportsConfig.ready()``. The same rules as the staff case page:
the report's agency or a city admin (and a data protection officer) may open it, everyone else gets a 404. The
reporter is shown as "the reporter"; their name only when the viewer asks for it (``?identity=1``, as on the case
page) and ``services.reporter_identity`` allows it: never for a hidden identity without a DPO grant, and every
reveal audited there. Other residents (followers) are never named; staff recipients are.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from congdanso.accounts.roles import Role
from congdanso.accounts.services import has_role
from congdanso.notifications.subjects import Subject
from congdanso.reports import services
from congdanso.reports.models import Report


def report_deliveries(request: HttpRequest, object_id: str) -> Subject | None:
    if not object_id.isdigit():
        return None
    report = Report.objects.filter(pk=int(object_id)).first()
    viewer = request.user
    if report is None or not (services.can_work_on(viewer, report)
                              or has_role(viewer, Role.DATA_PROTECTION_OFFICER)):  # type: ignore[arg-type]
        return None
    revealed: list[str | None] = []  # the reporter's name, looked up (and audited) once per page

    def reporter_name() -> str | None:
        if not revealed:
            identity = None
            if request.GET.get("identity") == "1":
                identity = services.reporter_identity(report, viewer=viewer, request=request)
            revealed.append(identity.name if identity is not None else None)
        return revealed[0]

    def recipient_label(recipient: Any) -> str:
        if recipient is None:  # a text to the hotline caller, who has no account (contact kept on the report)
            return _("Người gọi đường dây nóng (SMS)")
        if report.reporter_id is not None and recipient.pk == report.reporter_id:
            name = reporter_name()
            return _("Người phản ánh: %(name)s") % {"name": name} if name else _("Người phản ánh")
        if getattr(recipient, "kind", "") == "staff":
            return recipient.display_name
        return _("Người dân theo dõi phản ánh")

    from congdanso.notifications.queries import channels_of

    channels: list[str] = []
    if report.reporter_id is not None:
        channels = [_("Người phản ánh nhận qua: %(channels)s") % {"channels": ", ".join(channels_of(report.reporter))}]
    elif report.contact_phone and report.sms_consent_at:
        channels = [_("Người gọi đường dây nóng nhận tin nhắn SMS (đã đồng ý)")]
    elif report.contact_phone:
        channels = [_("Người gọi đường dây nóng không đồng ý nhận SMS")]
    return Subject(title=_("Phản ánh %(code)s") % {"code": report.code or report.pk}, recipient_label=recipient_label,
                   link=reverse("reports_staff:detail", args=[report.pk]), channels=channels)
