"""Transactional outbox: work that must not be lost is a row written in the caller's transaction.

``enqueue(topic, payload)`` must run inside ``transaction.atomic()``. When the transaction commits, one
``run_outbox_batch`` task carrying the ids of the due rows it wrote is enqueued (the hint; a deferred task for rows
due within two sweeps). If that hint is lost (worker down, Redis flushed, process killed), the sweeper finds the rows
and hints them again; rows due later (deadlines) are left to the sweeper, which hints them once due. A task claims
its rows, and up to ``CLAIM_EXTRA`` other due rows of topics that run in batches, with one conditional UPDATE, so
two workers never run the same row at once; a claim whose worker died is released after ``OUTBOX_LEASE_SECONDS``.

Handlers are registered per topic by the app that owns the work (``register("notify.deliver", deliver)``) and
must be idempotent: after a crash between the handler's side effect and ``done`` a row may run again. A topic may
also register a handler taking a list of payloads (``register_many``), run once for all its rows of a claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from congdanso.core.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]
_handlers: dict[str, Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}

TASK_SIZE = 100  # row ids per run_outbox_batch task
CLAIM_EXTRA = 100  # other due rows a task takes along with its own (a burst runs in few claims)


class NotInTransaction(RuntimeError):
    pass


def register(topic: str, handler: Handler) -> None:
    _handlers[topic] = handler


def register_many(topic: str, handler: BatchHandler) -> None:
    """A handler for all the rows of ``topic`` in one claim (their payloads, oldest first). If it raises, the rows
    are run one by one through the single-row handler, so one bad row does not hold back the others."""
    _batch_handlers[topic] = handler


def handler_for(topic: str) -> Handler | None:
    return _handlers.get(topic)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _CommitHint:
    """The rows written in one transaction, hinted when it commits (``transaction.on_commit``): the due ones as one
    task, the ones due soon as one deferred task per due time."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.later: dict[datetime, list[int]] = {}

    def __call__(self) -> None:
        for when, ids in self.later.items():
            _hint(ids, marked=True, run_after=when)
        follow_up = getattr(_running, "follow_up", None)
        if follow_up is not None:  # committed by a handler of a running task: that task runs them next
            follow_up.extend(self.ids)
        else:
            _hint(self.ids, marked=True)


_running = threading.local()  # .follow_up: rows committed by the handlers of the task running on this thread
FOLLOW_UP_ROUNDS = 5


def _hint_on_commit(ids: Iterable[int], run_after: datetime | None = None) -> None:
    """Add these rows to the hint of the current transaction, registering it on its first row. A hint registered
    inside a savepoint that is rolled back goes with it, and the next row registers a new one; ids of rows rolled
    back with a savepoint may stay in an outer hint, where they claim nothing."""
    connection = transaction.get_connection()
    hint = next((callback for _savepoints, callback, _robust in connection.run_on_commit
                 if isinstance(callback, _CommitHint)), None)
    if hint is None:
        hint = _CommitHint()
        transaction.on_commit(hint)
    (hint.ids if run_after is None else hint.later.setdefault(run_after, [])).extend(ids)


def enqueue(topic: str, payload: dict[str, Any], *, delay: timedelta | None = None) -> OutboxMessage:
    return enqueue_many(topic, [payload], delay=delay)[0]


def enqueue_many(topic: str, payloads: list[dict[str, Any]], *, delay: timedelta | None = None
                 ) -> list[OutboxMessage]:
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction("outbox.enqueue must be called inside transaction.atomic()")
    now = timezone.now()
    available_at = now + (delay or timedelta())
    due = available_at <= now
    # Rows due within two sweeps are hinted after the commit (a deferred task for the later ones) and marked as
    # hinted when written (as of when they are due); the mark is taken back if the hint cannot be enqueued, and
    # goes stale after 2 × OUTBOX_SWEEP_SECONDS if the process dies before hinting. Rows due later (deadlines)
    # carry no mark: the sweeper hints them once due.
    soon = due or available_at - now <= timedelta(seconds=2 * settings.OUTBOX_SWEEP_SECONDS)
    rows = [OutboxMessage(topic=topic, payload=p, available_at=available_at,
                          enqueued_at=available_at if soon else None) for p in payloads]
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        rows = OutboxMessage.objects.bulk_create(rows, batch_size=500)
    ids = [row.pk for row in rows if row.pk is not None]
    if soon and ids:  # (an engine that returned no ids leaves the rows to the sweeper once their mark is stale)
        _hint_on_commit(ids, run_after=None if due else available_at)
    return rows


def _hint(ids: list[int], *, marked: bool = False, run_after: datetime | None = None) -> None:
    """Enqueue ``run_outbox_batch`` tasks (``TASK_SIZE`` ids each) for these rows. Failure is fine: the sweeper is
    the guarantee.

    ``marked``: the rows were written with ``enqueued_at`` already set; it is cleared if the hint fails."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return
    if run_after is not None and run_after.microsecond:
        # Task schedulers keep whole seconds (RQ's does): a task run before its rows are due claims nothing, and
        # the rows, marked as hinted, would wait for the sweeper.
        run_after = run_after.replace(microsecond=0) + timedelta(seconds=1)
    try:
        task = run_outbox_batch if run_after is None else run_outbox_batch.using(run_after=run_after)
        for start in range(0, len(unique), TASK_SIZE):
            task.enqueue(unique[start:start + TASK_SIZE])
        if not marked:
            OutboxMessage.objects.filter(pk__in=unique, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    except Exception:
        logger.warning("outbox hint for %d rows could not be enqueued; the sweeper will retry", len(unique),
                       exc_info=True)
        if marked:
            try:
                OutboxMessage.objects.filter(pk__in=unique).update(enqueued_at=None)
            except Exception:  # the database is gone too: the mark goes stale and the sweeper hints the rows then
                logger.warning("outbox: could not clear the hint mark of %d rows", len(unique), exc_info=True)


def claim(message_id: int, worker: str) -> OutboxMessage | None:
    claimed = claim_many([message_id], worker, extra=0)
    return claimed[0] if claimed else None


def claim_many(message_ids: list[int], worker: str, *, extra: int = CLAIM_EXTRA) -> list[OutboxMessage]:
    """Claim the due pending rows among ``message_ids``, and up to ``extra`` other due pending rows of topics with
    a batch handler (oldest first), in one conditional UPDATE; return the claimed rows in id order."""
    now = timezone.now()
    wanted = Q(pk__in=list(message_ids))
    if extra and _batch_handlers:
        wanted |= Q(pk__in=OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, available_at__lte=now, topic__in=list(_batch_handlers)
        ).order_by("available_at").values("pk")[:extra])
    claimed = OutboxMessage.objects.filter(wanted, status=OutboxStatus.PENDING, available_at__lte=now).update(
        status=OutboxStatus.CLAIMED, claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1)
    if not claimed:
        return []
    # This worker's claims stamped ``now``: exactly the rows the UPDATE took.
    return list(OutboxMessage.objects.filter(status=OutboxStatus.CLAIMED, claimed_by=worker, claimed_at=now)
                .order_by("pk"))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(0, attempts - 1)))


def _still_mine(ids: list[int], worker: str) -> Q:
    """Rows this run may still settle: its own claim, or a claim released meanwhile (no one else holds it)."""
    return Q(pk__in=ids) & (Q(status=OutboxStatus.CLAIMED, claimed_by=worker) | Q(status=OutboxStatus.PENDING))


def run_message(message_id: int, worker: str | None = None) -> str:
    """Claim and run one row. Returns what happened: done, retry, failed, skipped or lost.

    "lost": the handler outlived its lease and another worker has taken the row (or settled it); that worker's
    result stands.
    """
    worker = worker or worker_name()
    message = claim(message_id, worker)
    if message is None:
        return "skipped"
    return _run_claimed([message], worker)[message.pk]


def run_batch(message_ids: list[int], worker: str | None = None, *, extra: int = CLAIM_EXTRA) -> dict[str, int]:
    """Claim these rows and up to ``extra`` other due ones, run them, settle them; then, the same way, the due
    rows their handlers committed (a second task would only repeat the claim), for up to ``FOLLOW_UP_ROUNDS``
    rounds. Those rows are marked as hinted when written: if this worker dies first, the sweeper hints them.
    Returns counts per outcome; rows of ``message_ids`` that were not claimed count as skipped."""
    worker = worker or worker_name()
    counts: dict[str, int] = {}
    ids = list(message_ids)
    for round_ in range(FOLLOW_UP_ROUNDS):
        _running.follow_up = []
        try:
            # Extra rows in the first round only: follow-ups must not wait behind a burst of new rows.
            messages = claim_many(ids, worker, extra=extra if round_ == 0 else 0)
            if round_ == 0 and (skipped := len(set(ids) - {m.pk for m in messages})):
                counts["skipped"] = skipped
            for outcome in _run_claimed(messages, worker).values():
                counts[outcome] = counts.get(outcome, 0) + 1
        finally:
            ids, _running.follow_up = _running.follow_up, None
        if not ids:
            break
    else:
        _hint(ids, marked=True)
    return counts


def _run_claimed(messages: list[OutboxMessage], worker: str) -> dict[int, str]:
    """Run claimed rows and settle them: a topic's batch handler once for all its rows, settled in one UPDATE;
    otherwise row by row, each settled as soon as it has run, so that a worker killed mid-claim repeats at most the
    row it was running (single-row handlers send e-mail, SMS and push: a repeat reaches a person)."""
    outcomes: dict[int, str] = {}
    by_topic: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        by_topic.setdefault(message.topic, []).append(message)
    for topic, claimed in by_topic.items():
        group = []
        for message in claimed:
            if _renew_if_old(message, worker):
                group.append(message)
            else:
                outcomes[message.pk] = "lost"
        batch_handler = _batch_handlers.get(topic)
        if batch_handler is not None and len(group) > 1:
            try:
                batch_handler([m.payload for m in group])
            except Exception:
                logger.warning("outbox %s: batch of %d failed; running its rows one by one", topic, len(group),
                               exc_info=True)
            else:
                outcomes.update(_settle_done([m.pk for m in group], worker))
                continue
        for message in group:
            if not _renew_if_old(message, worker):
                outcomes[message.pk] = "lost"
                continue
            handler = handler_for(topic)
            try:
                if handler is None:
                    raise LookupError(f"no handler registered for topic {topic!r}")
                handler(message.payload)
            except Exception as exc:
                outcomes[message.pk] = _settle_failure(message, worker, exc)
            else:
                outcomes.update(_settle_done([message.pk], worker))
    return outcomes


def _settle_done(pks: list[int], worker: str) -> dict[int, str]:
    """Mark rows that ran as done, in one UPDATE; a row another worker took meanwhile is "lost" to this one."""
    finished = timezone.now()
    count = OutboxMessage.objects.filter(_still_mine(pks, worker)).update(
        status=OutboxStatus.DONE, finished_at=finished, last_error="")
    settled = set(pks) if count == len(pks) else set(
        OutboxMessage.objects.filter(pk__in=pks, status=OutboxStatus.DONE, finished_at=finished)
        .values_list("pk", flat=True))
    return {pk: "done" if pk in settled else "lost" for pk in pks}


def _renew_if_old(message: OutboxMessage, worker: str) -> bool:
    """Rows of one claim run one after another: a row whose claim is past half its lease by the time its turn
    comes renews it first, so that the sweeper does not hand it to another worker while it runs. False: the row is
    no longer this worker's."""
    now = timezone.now()
    if message.claimed_at is None or now - message.claimed_at < timedelta(seconds=settings.OUTBOX_LEASE_SECONDS / 2):
        return True
    renewed = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.CLAIMED, claimed_by=worker).update(
        claimed_at=now)
    message.claimed_at = now
    return bool(renewed)


def _settle_failure(message: OutboxMessage, worker: str, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        settled = OutboxMessage.objects.filter(_still_mine([message.pk], worker)).update(
            status=OutboxStatus.FAILED, last_error=error, finished_at=timezone.now()
        )
        if not settled:
            return "lost"
        logger.error("outbox %s#%s failed for good after %d attempts: %s",
                     message.topic, message.pk, message.attempts, error)
        return "failed"
    settled = OutboxMessage.objects.filter(_still_mine([message.pk], worker)).update(
        status=OutboxStatus.PENDING, last_error=error, enqueued_at=None,
        available_at=timezone.now() + backoff(message.attempts),
    )
    if not settled:
        return "lost"
    logger.warning("outbox %s#%s attempt %d failed, will retry: %s",
                   message.topic, message.pk, message.attempts, error)
    return "retry"


@task()
def run_outbox_batch(message_ids: list[int]) -> dict[str, int]:
    """The hint: run these outbox rows (and other due ones, see ``run_batch``). Tasks carry ids only."""
    return run_batch(message_ids)


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
