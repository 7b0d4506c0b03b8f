"""Who may see the delivery status of the notifications about an object, and how its recipients are shown.

Notifications sit below the apps that notify (reports, dossiers, …) and cannot know their rules: which staff
work on a report, whether its reporter hid their identity, who holds a data protection officer's grant. So the
owning app registers, per object type (``app_label.model``), a function that decides for one viewer and one
object id (in its ``AppConfig.ready()``):

    subjects.register("reports.report", report_deliveries)

The function returns ``None`` when the viewer may not see that object (or it does not exist): the page answers
404, as it does for an object type nobody registered. Otherwise a ``Subject`` says how to title the page, where
the case page is, and how to show each recipient (a name only where the owning app's identity rules allow it;
every reveal audited by that app).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Subject:
    title: str  # what staff call the object ("Phản ánh PA-0001")
    recipient_label: Callable[[Any], str]  # recipient (a User, or None: a contact without an account) → label
    link: str = ""  # the object's staff page
    filters: dict[str, Any] = field(default_factory=dict)  # narrows the notifications shown (e.g. actor=viewer)
    # Where the person the object is about can be reached (the resident's channels: "Thông báo đẩy (2 thiết bị)"),
    # without their addresses.
    channels: list[str] = field(default_factory=list)


Resolver = Callable[[HttpRequest, str], Subject | None]
_resolvers: dict[str, Resolver] = {}


def register(object_type: str, resolver: Resolver) -> None:
    _resolvers[object_type] = resolver


def resolve(request: HttpRequest, object_type: str, object_id: str) -> Subject | None:
    """What ``request.user`` may see of this object's deliveries; None when nothing (404)."""
    resolver = _resolvers.get(object_type)
    if resolver is None:
        return None
    return resolver(request, str(object_id))


def registered() -> list[str]:
    return sorted(_resolvers)


# A link in a notice is checked before it is sent: the path must resolve, and the app owning the page may say
# whether the object it names exists (``register_link("reports:detail", lambda kwargs: …)``).
LinkCheck = Callable[[dict[str, Any]], bool]
_link_checks: dict[str, LinkCheck] = {}


def register_link(view_name: str, check: LinkCheck) -> None:
    _link_checks[view_name] = check


def link_exists(view_name: str, kwargs: dict[str, Any]) -> bool:
    check = _link_checks.get(view_name)
    return check(kwargs) if check is not None else True
