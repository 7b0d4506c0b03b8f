"""The kinds of notification, their default channels and whether they may break quiet hours.

Apps above notifications register their own kinds with ``register(Kind(...))`` and ship the templates
``notifications/kinds/<code>.<language>.txt`` (first line: title; the rest: body). The kinds every domain app needs
are declared here so that their templates are in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from congdanso.notifications.models import Channel

DEFAULT_CHANNELS = (Channel.INBOX, Channel.WEBPUSH)


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    default_channels: tuple[str, ...] = DEFAULT_CHANNELS
    # Channels a resident may choose for this kind (the inbox is always on).
    allowed_channels: tuple[str, ...] = (Channel.WEBPUSH, Channel.EMAIL, Channel.SMS)
    urgent: bool = False  # emergency alerts ignore quiet hours and are pushed with Urgency: high
    ttl: timedelta = field(default=timedelta(days=3))  # after this, an undelivered message is not worth sending
    for_staff: bool = False
    # Kinds with the same group about the same object, for the same person, within NOTIFY_GROUP_SECONDS become one
    # notification (the latest text, a count of updates); "" keeps each one apart (repeats are still dropped).
    group: str = ""
    # The app whose pages this kind is about ("dossiers", "feedback", "alerts"); the preferences page lists a kind
    # only when its app is installed. "" for kinds of apps that always are (notifications, reports).
    app: str = ""
    # Sent with ``services.notify_contacts`` to a person who has no account, at a number the owning app holds (a
    # hotline caller who agreed to SMS): never offered on a preferences page.
    to_contacts: bool = False


_kinds: dict[str, Kind] = {}


class UnknownKind(LookupError):
    pass


def register(kind: Kind) -> Kind:
    _kinds[kind.code] = kind
    return kind


def get(code: str) -> Kind:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownKind(f"unknown notification kind {code!r}; register it in notifications.kinds") from None


def all_kinds(*, for_staff: bool | None = None) -> list[Kind]:
    return [k for k in _kinds.values() if for_staff is None or k.for_staff == for_staff]


def available(*, for_staff: bool) -> list[Kind]:
    """The kinds a person can receive today: of this audience, and of an area (app) the platform runs."""
    from django.apps import apps

    return [k for k in all_kinds(for_staff=for_staff)
            if not k.to_contacts and (not k.app or apps.is_installed(f"congdanso.{k.app}"))]


ANNOUNCEMENT = register(Kind("announcement", _("Thông báo từ chính quyền")))
REPORT_STATUS = register(Kind("report_status", _("Phản ánh của tôi thay đổi trạng thái"), group="report"))
REPORT_RESULT = register(Kind("report_result", _("Phản ánh của tôi có kết quả"), group="report",
                              default_channels=(Channel.INBOX, Channel.WEBPUSH, Channel.EMAIL)))
DOSSIER_STATUS = register(Kind("dossier_status", _("Hồ sơ của tôi thay đổi trạng thái"), group="dossier",
                               app="dossiers", default_channels=(Channel.INBOX, Channel.WEBPUSH, Channel.EMAIL)))
IDEA_ANSWERED = register(Kind("idea_answered", _("Góp ý, hiến kế của tôi được trả lời"), app="feedback"))
FOLLOWED_UPDATE = register(Kind("followed_update", _("Có tin mới về nội dung tôi theo dõi"), group="followed",
                                default_channels=(Channel.INBOX,)))
EMERGENCY_ALERT = register(Kind("emergency_alert", _("Cảnh báo khẩn cấp"), urgent=True, ttl=timedelta(hours=12),
                                app="alerts", default_channels=(Channel.INBOX, Channel.WEBPUSH, Channel.SMS)))
WORK_NEW = register(Kind("work_new", _("Việc mới được giao"), for_staff=True, group="work",
                         default_channels=(Channel.INBOX, Channel.EMAIL)))
WORK_OVERDUE = register(Kind("work_overdue", _("Việc sắp hoặc đã quá hạn"), for_staff=True, group="overdue",
                             default_channels=(Channel.INBOX, Channel.EMAIL)))
CALLER_RECEIPT = register(Kind("caller_receipt", _("Mã phản ánh gửi người gọi đường dây nóng"), to_contacts=True,
                                default_channels=(Channel.SMS,), allowed_channels=(Channel.SMS,)))
CALLER_UPDATE = register(Kind("caller_update", _("Phản ánh của người gọi đường dây nóng thay đổi trạng thái"),
                              to_contacts=True, group="caller", default_channels=(Channel.SMS,),
                              allowed_channels=(Channel.SMS,)))
