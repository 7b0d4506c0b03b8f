"""JSON API of notifications (mounted at /api/v1/): the inbox, unread count, read marks, push subscriptions and the
service worker's push receipts."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from congdanso.notifications import queries, services, vapid

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    urgent: bool
    created_at: dt.datetime
    read_at: dt.datetime | None = None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut]
    next_before: int | None = None


class UnreadOut(Schema):
    unread: int


class ReadAllOut(Schema):
    marked: int
    unread: int


class PushKeyOut(Schema):
    public_key: str


class SubscriptionOut(Schema):
    id: int
    created: bool = True


class ReceiptIn(Schema):
    d: int
    r: str


class OkOut(Schema):
    ok: bool


def _out(n) -> NotificationOut:
    return NotificationOut(id=n.pk, kind=n.kind, title=n.title, body=n.body, link=n.link, urgent=n.urgent,
                           created_at=n.created_at, read_at=n.read_at)


@router.get("/notifications", response=InboxOut, auth=django_auth, summary="My notifications, newest first")
def inbox(request: HttpRequest, before: int | None = None, limit: int = 20) -> InboxOut:
    limit = max(1, min(limit, 100))
    rows = queries.inbox(request.user)
    if before:
        rows = rows.filter(pk__lt=before)
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return InboxOut(unread=queries.unread_count(request.user), items=[_out(n) for n in items],
                    next_before=items[-1].pk if more and items else None)


@router.get("/notifications/unread-count", response=UnreadOut, auth=django_auth, summary="Unread count (badge)",
            url_name="notifications_unread")
def unread(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=queries.unread_count(request.user))


@router.post("/notifications/{notification_id}/read", response=NotificationOut, auth=django_auth,
             summary="Mark one notification read")
def read_one(request: HttpRequest, notification_id: int) -> NotificationOut:
    return _out(services.mark_read(request.user, notification_id))


@router.post("/notifications/read-all", response=ReadAllOut, auth=django_auth, summary="Mark all read")
def read_all(request: HttpRequest) -> ReadAllOut:
    marked = services.mark_all_read(request.user)
    return ReadAllOut(marked=marked, unread=queries.unread_count(request.user))


@router.get("/push/public-key", response=PushKeyOut, summary="VAPID application server key for pushManager.subscribe")
def public_key(request: HttpRequest) -> PushKeyOut:
    return PushKeyOut(public_key=vapid.application_server_key())


@router.post("/push/subscriptions", response={201: SubscriptionOut}, auth=django_auth, url_name="push_subscribe",
             summary="Store this browser's PushSubscription (the JSON of subscription.toJSON())")
def subscribe(request: HttpRequest) -> Status:
    # Parsed by the service, not by a schema, so a malformed body gets a 400 that says what is wrong.
    subscription = services.save_subscription(
        request.user, request.body, session_key=request.session.session_key or "",
        user_agent=request.headers.get("User-Agent", ""))
    return Status(201, SubscriptionOut(id=subscription.pk))


@router.post("/push/subscriptions/remove", response=OkOut, auth=django_auth, url_name="push_unsubscribe",
             summary="Forget a subscription of mine (body: the subscription JSON or {endpoint})")
def unsubscribe(request: HttpRequest) -> OkOut:
    endpoint = services.parse_endpoint(request.body)
    return OkOut(ok=services.remove_subscription(request.user, endpoint) > 0)


@router.post("/push/receipts", response=OkOut, summary="The service worker showed a push (token-authenticated)")
def receipt(request: HttpRequest, data: ReceiptIn) -> OkOut:
    return OkOut(ok=services.record_receipt(data.d, data.r))
