"""Transactional outbox: work that must not be lost is a row written in the caller's transaction.

``enqueue(topic, payload)`` must run inside ``transaction.atomic()``; when the transaction commits, a task is
enqueued as a hint to run the row soon. If that hint is lost (worker down, Redis flushed, process killed), the
sweeper finds the row and enqueues it again. A row is claimed with a conditional UPDATE, so two workers never run
the same row at once; a claim whose worker died is released after ``OUTBOX_LEASE_SECONDS``.

Handlers are registered per topic by the app that owns the work (``register("notify.deliver", deliver)``) and
must be idempotent: after a crash between the handler's side effect and ``done`` a row may run again.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from congdanso.core import hints, inserts
from congdanso.core.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, Handler] = {}


class NotInTransaction(RuntimeError):
    pass


def register(topic: str, handler: Handler) -> None:
    _handlers[topic] = handler


def handler_for(topic: str) -> Handler | None:
    return _handlers.get(topic)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(topic: str, payload: dict[str, Any], *, delay: timedelta | None = None) -> OutboxMessage:
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction("outbox.enqueue must be called inside transaction.atomic()")
    now = timezone.now()
    # Marked as hinted in the INSERT itself (the hint follows the commit): no UPDATE after the hint. If the hint
    # cannot be enqueued the mark is taken back and the next sweep hints the row; if the process dies between the
    # commit and the hint, the sweeper hints it once the mark is stale (2 × OUTBOX_SWEEP_SECONDS).
    message = OutboxMessage(topic=topic, payload=payload, available_at=now + (delay or timedelta()), enqueued_at=now)
    inserts.insert([message])
    transaction.on_commit(lambda: _hint([message.pk], marked=True))
    return message


def enqueue_many(topic: str, payloads: list[dict[str, Any]]) -> list[OutboxMessage]:
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction("outbox.enqueue_many must be called inside transaction.atomic()")
    now = timezone.now()
    rows = OutboxMessage.objects.bulk_create(
        [OutboxMessage(topic=topic, payload=p, available_at=now) for p in payloads], batch_size=500
    )
    ids = [row.pk for row in rows if row.pk is not None]
    if len(ids) == len(rows):
        transaction.on_commit(lambda: _hint(ids))
    # Engines that do not return ids from bulk inserts leave the rows to the sweeper.
    return rows


def _hint(ids: list[int], *, marked: bool = False) -> None:
    """Ask the task queue to run these rows soon (see core/hints.py). Failure is fine: the sweeper is the guarantee.

    ``marked``: the rows were written with ``enqueued_at`` already set; it is cleared if the hint fails."""
    try:
        hints.send(ids)
        if not marked:
            OutboxMessage.objects.filter(pk__in=ids, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    except Exception:
        logger.warning("outbox hint for %d rows could not be enqueued; the sweeper will retry", len(ids),
                       exc_info=True)
        if marked:
            try:
                OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=None)
            except Exception:  # the database is gone too: the mark goes stale and the sweeper hints the rows then
                logger.warning("outbox: could not clear the hint mark of %d rows", len(ids), exc_info=True)


def claim(message_id: int, worker: str) -> OutboxMessage | None:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, available_at__lte=now
    ).update(status=OutboxStatus.CLAIMED, claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def _still_mine(message: OutboxMessage, worker: str) -> Q:
    """Rows this run may still settle: its own claim, or a claim released meanwhile (no one else holds it)."""
    return Q(pk=message.pk) & (Q(status=OutboxStatus.CLAIMED, claimed_by=worker) | Q(status=OutboxStatus.PENDING))


def run_message(message_id: int, worker: str | None = None) -> str:
    """Claim and run one row. Returns what happened: done, retry, failed, skipped or lost.

    "lost": the handler outlived its lease and another worker has taken the row (or settled it); that worker's
    result stands.
    """
    worker = worker or worker_name()
    message = claim(message_id, worker)
    if message is None:
        return "skipped"
    handler = handler_for(message.topic)
    try:
        if handler is None:
            raise LookupError(f"no handler registered for topic {message.topic!r}")
        handler(message.payload)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            settled = OutboxMessage.objects.filter(_still_mine(message, worker)).update(
                status=OutboxStatus.FAILED, last_error=error, finished_at=timezone.now()
            )
            if not settled:
                return "lost"
            logger.error("outbox %s#%s failed for good after %d attempts: %s",
                         message.topic, message.pk, message.attempts, error)
            return "failed"
        settled = OutboxMessage.objects.filter(_still_mine(message, worker)).update(
            status=OutboxStatus.PENDING, last_error=error, enqueued_at=None,
            available_at=timezone.now() + backoff(message.attempts),
        )
        if not settled:
            return "lost"
        logger.warning("outbox %s#%s attempt %d failed, will retry: %s",
                       message.topic, message.pk, message.attempts, error)
        return "retry"
    settled = OutboxMessage.objects.filter(_still_mine(message, worker)).update(
        status=OutboxStatus.DONE, finished_at=timezone.now(), last_error=""
    )
    return "done" if settled else "lost"


def sweep(now: Any = None) -> dict[str, int]:
    """Release claims of dead workers (or fail them on their last attempt), then hint every due row that no task
    is known to be carrying."""
    now = now or timezone.now()
    lease_cutoff = now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    expired = OutboxMessage.objects.filter(status=OutboxStatus.CLAIMED, claimed_at__lt=lease_cutoff)
    # A row whose worker died on every attempt (a handler that kills the process) must not loop for ever.
    given_up = expired.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.FAILED, finished_at=now,
        last_error="worker lost (lease expired) on the last allowed attempt",
    )
    if given_up:
        logger.error("outbox: %d rows failed for good: their worker died on the last allowed attempt", given_up)
    released = expired.update(status=OutboxStatus.PENDING, enqueued_at=None)
    stale_hint = now - timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS * 2)
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_hint))
        .order_by("available_at")
        .values_list("pk", flat=True)[:5000]
    )
    if due:
        OutboxMessage.objects.filter(pk__in=due).update(enqueued_at=None)
        _hint(due)
    return {"released": released, "failed": given_up, "hinted": len(due)}
