"""The delivery worker: runs the outbox rows of topic ``notifications.deliver`` (a batch of delivery ids).

For each batch: claim the due rows with one conditional UPDATE (queued → sending, or a sending row whose worker's
lease ran out), send them channel by channel in groups of ``NOTIFY_COMMIT_EVERY``, and commit each group's results
before sending the next. Retries go back to "queued" with backoff (or the push service's Retry-After) and a delayed
outbox row. A worker killed mid-batch leaves at most the group it was sending "in doubt": those rows are sent again
(at-least-once) with the same notification id, Web Push ``Topic`` and notification ``tag``, e-mail Message-ID and
SMS Idempotency-Key, so the device, mail client or gateway shows them once. Rows already recorded as sent are never
sent again.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from congdanso.core import outbox
from congdanso.notifications import bulk, channels
from congdanso.notifications.channels.base import Job, Outcome
from congdanso.notifications.models import FINAL_STATUSES, Delivery, DeliveryStatus, PushSubscription
from congdanso.notifications.services import DELIVER_TOPIC

logger = logging.getLogger(__name__)


def handle(payload: dict[str, Any]) -> None:
    deliver([int(i) for i in payload.get("ids", [])])


def backoff(attempts: int) -> float:
    return float(min(3600, settings.NOTIFY_RETRY_SECONDS * 3 ** max(0, attempts - 1)))


def deliver(ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    if not ids:
        return counts
    token = f"{outbox.worker_name()}:{uuid.uuid4().hex[:8]}"
    now = timezone.now()
    lease_cutoff = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    bulk.claim(ids, token, now, lease_cutoff)
    # The token is this call's own, so the rows it holds are exactly the ones just claimed among ``ids``.
    rows = [Job.from_row(row) for row in
            Delivery.objects.filter(pk__gte=min(ids), pk__lte=max(ids), claimed_by=token,
                                    status=DeliveryStatus.SENDING).order_by("pk").values_list(*Job.FIELDS)]
    mine = {d.pk for d in rows}
    expired = [d for d in rows if d.expires_at and d.expires_at <= now]
    if expired:
        Delivery.objects.filter(pk__in=[d.pk for d in expired], claimed_by=token).update(
            status=DeliveryStatus.EXPIRED, last_error="expired before it could be sent")
        counts["expired"] += len(expired)
    by_channel: dict[str, list[Job]] = defaultdict(list)
    for d in rows:
        if not (d.expires_at and d.expires_at <= now):
            by_channel[d.channel].append(d)
    step = max(1, settings.NOTIFY_COMMIT_EVERY)
    for code, group in by_channel.items():
        channel = channels.get(code)
        for start in range(0, len(group), step):
            part = group[start:start + step]
            try:
                outcomes = channel.send(part)
            except Exception as exc:  # a channel bug must not lose the batch: retry it, with the reason kept
                logger.exception("channel %s crashed on %d deliveries; they will be retried", code, len(part))
                outcomes = [Outcome(d.pk, "retry", f"{type(exc).__name__}: {exc}"[:500]) for d in part]
            _record(part, outcomes, token, counts)
    if len(mine) < len(set(ids)):
        _follow_up(ids, mine)
    return counts


def _record(part: list[Job], outcomes: list[Outcome], token: str, counts: dict[str, int]) -> None:
    by_id = {d.pk: d for d in part}
    now = timezone.now()
    sent = [o.delivery_id for o in outcomes if o.result == "sent"]
    sub_ids = [by_id[i].subscription_id for i in sent if by_id[i].subscription_id]
    if len(sent) == len(outcomes) and not sub_ids:  # all sent, no device to mark: one UPDATE, no transaction
        bulk.mark_sent(sent, token, now)
        counts["sent"] += len(sent)
        return
    retry_ids: list[int] = []
    retry_delay = 0.0
    with transaction.atomic():
        if sent:
            bulk.mark_sent(sent, token, now)
            if sub_ids:  # "works" is what the admin needs to know; an hour's precision saves most of these writes
                PushSubscription.objects.filter(pk__in=sub_ids).filter(
                    Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - timedelta(hours=1))
                ).update(last_success_at=now)
            counts["sent"] += len(sent)
        gone_subs = []
        for o in outcomes:
            if o.result == "sent":
                continue
            d = by_id[o.delivery_id]
            if o.result == "gone":
                gone_subs.append(d.subscription_id)
                _finish(d, token, DeliveryStatus.FAILED, f"subscription expired: {o.error}")
                counts["gone"] += 1
            elif o.result == "failed" or d.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                _finish(d, token, DeliveryStatus.FAILED, o.error)
                logger.error("delivery %s (%s) failed for good after %d attempts: %s", d.pk, d.channel,
                             d.attempts, o.error)
                counts["failed"] += 1
            else:
                delay = max(backoff(d.attempts), o.retry_after or 0.0)
                Delivery.objects.filter(pk=d.pk, claimed_by=token, status=DeliveryStatus.SENDING).update(
                    status=DeliveryStatus.QUEUED, available_at=now + timedelta(seconds=delay), last_error=o.error)
                retry_ids.append(d.pk)
                retry_delay = max(retry_delay, delay)
                counts["retry"] += 1
        if gone_subs:
            PushSubscription.objects.filter(pk__in=[s for s in gone_subs if s]).delete()
            logger.info("removed %d expired push subscriptions", len(gone_subs))
        if retry_ids:
            outbox.enqueue(DELIVER_TOPIC, {"ids": retry_ids}, delay=timedelta(seconds=retry_delay))
            logger.warning("%d deliveries will be retried in %.0f s", len(retry_ids), retry_delay)


def _finish(d: Job, token: str, status: str, error: str) -> None:
    Delivery.objects.filter(pk=d.pk, claimed_by=token, status=DeliveryStatus.SENDING).update(
        status=status, last_error=error[:2000])


def _follow_up(ids: list[int], mine: set[int]) -> None:
    """Rows of this batch that another claim holds (maybe a dead worker's): look at them again after a lease."""
    others = list(Delivery.objects.filter(pk__in=ids).exclude(status__in=FINAL_STATUSES)
                  .exclude(pk__in=mine).filter(Q(status=DeliveryStatus.SENDING)
                                                | Q(available_at__lte=timezone.now()))
                  .values_list("pk", flat=True))
    if others:
        with transaction.atomic():
            outbox.enqueue(DELIVER_TOPIC, {"ids": others}, delay=timedelta(seconds=settings.OUTBOX_LEASE_SECONDS))
