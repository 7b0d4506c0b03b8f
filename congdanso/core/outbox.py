"""Transactional outbox: work that must not be lost is a row written in the caller's transaction.

``enqueue(topic, payload)`` must run inside ``transaction.atomic()``. When the transaction commits, one
``run_outbox_batch`` task carrying the ids of the due rows it wrote is enqueued (the hint; a deferred task for rows
due within two sweeps), unless such a task is already waiting in the queue: a task claims, as it starts, its rows
and up to ``CLAIM_EXTRA`` other due rows of any topic, so the waiting one takes these too (a burst of commits is a
few tasks, not one per commit; see ``_task_waiting``). If a hint is lost (worker down, Redis flushed, process
killed), the sweeper finds the rows and hints them again; rows due later (deadlines) are left to the sweeper, which
hints them once due. A claim is one conditional UPDATE, so two workers never run the same row at once; a claim
whose worker died is released after ``OUTBOX_LEASE_SECONDS``.

Handlers are registered per topic by the app that owns the work (``register("notify.deliver", deliver)``) and
must be idempotent: after a crash between the handler's side effect and ``done`` a row may run again. A topic may
also register a handler taking a list of payloads (``register_many``), run once for all its rows of a claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from congdanso.core.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]
_handlers: dict[str, Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}

TASK_SIZE = 100  # row ids per run_outbox_batch task
CLAIM_EXTRA = 100  # other due rows a task takes along with its own (a burst runs in few claims)
WAITING_KEY = "outbox:task-waiting"  # RQ: a run_outbox_batch task is queued and has not started


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
        _hint(self.ids, marked=True)


# The task running on this thread: .worker, its claim's name; .follow_up, the rows its handlers wrote (already
# claimed by it, see ``enqueue_many``) and committed, which it runs next; None when no task runs here, or when the
# task runs inside a transaction of its caller (its handlers' rows would commit after it ended).
_running = threading.local()
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
    # Due rows written by the handlers of a task running on this thread are that task's next work: written as
    # claimed by it (no second claim), run by it once committed. Should it die first, the sweeper releases them
    # when the lease ends, as any claim of a dead worker.
    follow_up = getattr(_running, "follow_up", None)
    claimed = due and follow_up is not None and (
        len(rows) == 1 or transaction.get_connection().features.can_return_rows_from_bulk_insert)
    if claimed:
        for row in rows:
            row.status, row.claimed_at, row.claimed_by, row.attempts = OutboxStatus.CLAIMED, now, _running.worker, 1
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        rows = OutboxMessage.objects.bulk_create(rows, batch_size=500)
    if claimed:
        # Its own callback: rolled back with a savepoint, the rows are not run.
        transaction.on_commit(partial(follow_up.extend, rows))  # type: ignore[union-attr]
        return rows
    ids = [row.pk for row in rows if row.pk is not None]
    if soon and ids:  # (an engine that returned no ids leaves the rows to the sweeper once their mark is stale)
        _hint_on_commit(ids, run_after=None if due else available_at)
    return rows


def _waiting_kind() -> str:
    """How this process can tell that a ``run_outbox_batch`` task waits in the queue (enqueued, not started):
    "row" (database queue: the task's own row), "key" (RQ with the shared Redis cache: a key beside it), "" (no way
    to tell, e.g. the immediate backend: a task per commit)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_rq.backend import RQBackend

    backend = run_outbox_batch.get_backend()
    if isinstance(backend, DatabaseBackend):
        return "row"
    return "key" if isinstance(backend, RQBackend) and isinstance(caches["default"], RedisCache) else ""


def _task_waiting(kind: str) -> bool:
    """Whether a ``run_outbox_batch`` task waits in the queue. When it starts it claims every due row (up to
    ``CLAIM_EXTRA`` besides its own, and wakes another task if there were more), so rows committed now need no task
    of their own. False: the caller enqueues one.

    - "row": that task's row, still ready (due now or within ``OUTBOX_GATHER_MS``). A worker marks it running, and
      commits, before the task claims anything, so rows committed before this read are claimed by it.
    - "key": a key in the shared Redis cache, added by the caller about to enqueue a task (``cache.add``: of many
      concurrent commits, one enqueues) and deleted by the task as it starts, before it claims. The key expires
      after ``OUTBOX_SWEEP_SECONDS`` should that task be lost; meanwhile the rows are the sweeper's, as a lost hint's.
    """
    if kind == "row":
        from django_tasks_db.models import DBTaskResult, get_date_max

        soon = timezone.now() + timedelta(milliseconds=settings.OUTBOX_GATHER_MS)
        return DBTaskResult.objects.filter(
            Q(run_after=get_date_max()) | Q(run_after__lte=soon), status=TaskResultStatus.READY,
            task_path=run_outbox_batch.module_path).exists()
    if kind == "key":
        return not caches["default"].add(WAITING_KEY, 1, settings.OUTBOX_SWEEP_SECONDS)
    return False


def _task_starts() -> None:
    """A task is starting (or the one whose key was added was not enqueued): commits from now on enqueue their own."""
    if _waiting_kind() == "key":
        try:
            caches["default"].delete(WAITING_KEY)
        except Exception:  # Redis is gone: so is the key; or it expires
            logger.warning("outbox: could not delete %s", WAITING_KEY, exc_info=True)


def _enqueue(chunks: list[list[int]], kind: str, *, gather: bool) -> None:
    """Enqueue a task per chunk of ids. ``gather``: a commit's task, which claims ``OUTBOX_GATHER_MS`` from now so
    that the rows of the commits that come meanwhile join it (they find it waiting): on the database queue it is
    due then (``run_after``); with RQ, whose scheduler keeps whole seconds, it waits that long before it starts."""
    task, wait_ms = run_outbox_batch, 0
    if gather and settings.OUTBOX_GATHER_MS > 0:
        if kind == "row":
            task = run_outbox_batch.using(run_after=timezone.now() + timedelta(milliseconds=settings.OUTBOX_GATHER_MS))
        elif kind == "key":
            wait_ms = settings.OUTBOX_GATHER_MS
    for chunk in chunks:
        if wait_ms:
            task.enqueue(chunk, wait_ms=wait_ms)
        else:
            task.enqueue(chunk)


def _hint(ids: list[int], *, marked: bool = False, run_after: datetime | None = None, force: bool = False) -> None:
    """Enqueue ``run_outbox_batch`` tasks (``TASK_SIZE`` ids each) for these rows, unless a task waiting in the
    queue will claim them anyway (``_task_waiting``; not for a deferred task, nor with ``force``: the sweeper's
    hints, which may be there because a waiting task was lost). Failure is fine: the sweeper is the guarantee.

    ``marked``: the rows were written with ``enqueued_at`` already set; it is cleared if the hint fails."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return
    if run_after is not None and run_after.microsecond:
        # Task schedulers keep whole seconds (RQ's does): a task run before its rows are due claims nothing, and
        # the rows, marked as hinted, would wait for the sweeper.
        run_after = run_after.replace(microsecond=0) + timedelta(seconds=1)
    chunks = [unique[start:start + TASK_SIZE] for start in range(0, len(unique), TASK_SIZE)]
    try:
        if run_after is not None:
            for chunk in chunks:
                run_outbox_batch.using(run_after=run_after).enqueue(chunk)
        elif force:
            _enqueue(chunks, "", gather=False)
        elif not _task_waiting(kind := _waiting_kind()):
            _enqueue(chunks, kind, gather=True)
        if not marked:
            OutboxMessage.objects.filter(pk__in=unique, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    except Exception:
        logger.warning("outbox hint for %d rows could not be enqueued; the sweeper will retry", len(unique),
                       exc_info=True)
        if run_after is None:
            _task_starts()  # a key added for a task that was not enqueued must not hold back the next commits
        if marked:
            try:
                OutboxMessage.objects.filter(pk__in=unique).update(enqueued_at=None)
            except Exception:  # the database is gone too: the mark goes stale and the sweeper hints the rows then
                logger.warning("outbox: could not clear the hint mark of %d rows", len(unique), exc_info=True)


def _wake() -> None:
    """A claim took as many rows as it could: make sure a task is waiting for the rest (another worker may start it
    at once; no gathering, there is a backlog)."""
    try:
        if not _task_waiting(kind := _waiting_kind()):
            _enqueue([[]], kind, gather=False)
    except Exception:
        logger.warning("outbox: could not enqueue a task for the rows left; the sweeper will hint them",
                       exc_info=True)
        _task_starts()


def claim(message_id: int, worker: str) -> OutboxMessage | None:
    claimed = claim_many([message_id], worker, extra=0)
    return claimed[0] if claimed else None


def claim_many(message_ids: list[int], worker: str, *, extra: int = CLAIM_EXTRA) -> list[OutboxMessage]:
    """Claim the due pending rows among ``message_ids``, and up to ``extra`` other due pending rows (oldest first),
    in one conditional UPDATE; return the claimed rows in id order."""
    now = timezone.now()
    wanted = Q(pk__in=list(message_ids))
    if extra:
        wanted |= Q(pk__in=OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=now)
                    .order_by("available_at").values("pk")[:extra])
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
    """Claim these rows and up to ``extra`` other due ones, run them, settle them; then the due rows their
    handlers committed, which were written claimed by this run (a second task, or a second claim, would only
    repeat the work), for up to ``FOLLOW_UP_ROUNDS`` rounds; rows left after that are released to other tasks.
    A first claim that took ``extra`` rows or more may have left some: a task is woken for them first.
    Returns counts per outcome; rows of ``message_ids`` that were not claimed count as skipped."""
    worker = worker or worker_name()
    counts: dict[str, int] = {}
    # Inside a caller's transaction the handlers' rows commit after this run: they are left pending, as usual.
    outermost = not transaction.get_connection().in_atomic_block
    _running.worker = worker
    messages = claim_many(list(message_ids), worker, extra=extra)
    if skipped := len(set(message_ids) - {m.pk for m in messages}):
        counts["skipped"] = skipped
    if extra and len(messages) >= extra:
        _wake()
    for _round in range(FOLLOW_UP_ROUNDS):
        _running.follow_up = [] if outermost else None
        try:
            for outcome in _run_claimed(messages, worker).values():
                counts[outcome] = counts.get(outcome, 0) + 1
        finally:
            messages, _running.follow_up = sorted(_running.follow_up or [], key=lambda m: m.pk), None
        if not messages:
            break
    else:
        ids = [m.pk for m in messages]
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.CLAIMED, claimed_by=worker).update(
            status=OutboxStatus.PENDING, claimed_at=None, claimed_by="", attempts=F("attempts") - 1)
        _hint(ids)
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
def run_outbox_batch(message_ids: list[int], wait_ms: int = 0) -> dict[str, int]:
    """The hint: run these outbox rows (and other due ones, see ``run_batch``). Tasks carry ids only, and how long
    to wait before claiming (a commit's task with RQ, ``_enqueue``: the rows committed meanwhile join it)."""
    if wait_ms > 0:
        time.sleep(min(wait_ms, 5000) / 1000)
    _task_starts()  # before the claim: a commit from now on may not be seen by it, and enqueues its own task
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
        _hint(due, force=True)
    return {"released": released, "failed": given_up, "hinted": len(due)}
