"""People without an account who asked to be told by SMS (a hotline caller): where their number is, read at send time.

Notifications sit below the apps that hold such numbers and cannot read them. The owning app registers, per object
type, a function that gives the numbers that may be texted *now* about some of its objects (in its
``AppConfig.ready()``):

    contacts.register("reports.report", queries.caller_phones)

``services.notify_contacts`` writes a notification with no recipient about the object and one SMS delivery; the SMS
channel asks ``phones()`` for the number when it sends. The number is never copied into notification or delivery
rows, so a consent withdrawn or a number erased before the send means no message (the delivery fails with "no
phone number").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

# object ids (as stored on notifications) → {object id: phone number in E.164}; ids without a number are left out.
PhoneLookup = Callable[[list[str]], dict[str, str]]
_lookups: dict[str, PhoneLookup] = {}


def register(object_type: str, lookup: PhoneLookup) -> None:
    _lookups[object_type] = lookup


def is_registered(object_type: str) -> bool:
    return object_type in _lookups


def phones(notification_ids: list[int]) -> dict[int, str]:
    """{notification id: number} for notifications that have no recipient (one query, then one per object type)."""
    if not notification_ids:
        return {}
    from congdanso.notifications.models import Notification

    by_type: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pk, object_type, object_id in Notification.objects.filter(
            pk__in=notification_ids, recipient__isnull=True).values_list("pk", "object_type", "object_id"):
        by_type[object_type][object_id].append(pk)
    found: dict[int, str] = {}
    for object_type, objects in by_type.items():
        lookup = _lookups.get(object_type)
        if lookup is None:
            continue
        for object_id, number in lookup(sorted(objects)).items():
            for pk in objects.get(object_id, []):
                found[pk] = number
    return found
