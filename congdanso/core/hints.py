"""How outbox hints reach the task queue.

With the database queue (the embedded default) a hint is a ``run_outbox_batch`` task, enqueued after the commit.

With RQ on Redis, the request that committed the rows only appends their ids to a Redis list (one RPUSH); the
worker's relay (``relay_loop``, started by ``run_worker``) pops what is waiting and turns it into
``run_outbox_batch`` tasks of up to 100 ids. Building an RQ job inside the request (a random id, the pickled call,
a dozen hash fields, a transaction on Redis) cost ~0.6 ms of the ~4 ms of CPU a report submission takes; a burst of
submissions now becomes a few tasks instead of one per row.

Either way a hint is only a hint: one lost on the way (Redis flushed, a relay killed between its pop and its
enqueue) leaves the row marked with a stale ``enqueued_at``, and the sweeper hints it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

HINT_LIST = "congdanso:outbox:hints"
TASK_SIZE = 100  # row ids per run_outbox_batch task
POP_SIZE = 1000  # ids the relay takes from the list at once


def through_relay() -> bool:
    """True when tasks go to RQ: hints then travel through the Redis list and the worker's relay."""
    from django_tasks import task_backends
    from django_tasks_rq.backend import RQBackend

    return isinstance(task_backends["default"], RQBackend)


_connection: list[Any] = []  # the client, once looked up: django_rq builds it anew on every call (~200 µs)


def redis_connection() -> Any:
    """The Redis client of the RQ queue (the cache's pooled client when RQ_QUEUES borrows it). One per process:
    redis-py clients are thread-safe and their pools reconnect after a fork."""
    if not _connection:
        import django_rq

        _connection.append(django_rq.get_connection("default"))
    return _connection[0]


@receiver(setting_changed)
def _forget_connection(setting: str, **kwargs: Any) -> None:
    if setting in {"RQ_QUEUES", "CACHES", "TASKS"}:
        _connection.clear()


def send(ids: list[int]) -> None:
    """Hint these rows. Raises when the queue is unreachable (the caller leaves the rows to the sweeper)."""
    if not ids:
        return
    if through_relay():
        redis_connection().rpush(HINT_LIST, *ids)
    else:
        enqueue_tasks(ids)


def enqueue_tasks(ids: Iterable[int]) -> int:
    from congdanso.core.tasks import run_outbox_batch

    unique = list(dict.fromkeys(ids))  # a row hinted twice while waiting runs once per task
    for start in range(0, len(unique), TASK_SIZE):
        run_outbox_batch.enqueue(unique[start : start + TASK_SIZE])
    return len(unique)


def relay_once(connection: Any, wait_seconds: float) -> int:
    """Wait up to ``wait_seconds`` for hints, then turn everything waiting (up to POP_SIZE) into tasks.
    Returns how many rows were hinted."""
    first = connection.blpop([HINT_LIST], timeout=wait_seconds) if wait_seconds > 0 else None
    ids = [int(first[1])] if first else []
    more = connection.lpop(HINT_LIST, POP_SIZE - len(ids))
    ids += [int(value) for value in more or []]
    return enqueue_tasks(ids) if ids else 0


def drain(connection: Any | None = None) -> int:
    """Turn every waiting hint into tasks now (``run_worker --burst``)."""
    connection = connection or redis_connection()
    total = 0
    while count := relay_once(connection, 0):
        total += count
    return total


def relay_loop(stop: threading.Event, wait_seconds: float = 1.0) -> None:
    """The worker's relay thread: runs until ``stop`` is set."""
    connection = None
    while not stop.is_set():
        try:
            connection = connection or redis_connection()
            relay_once(connection, wait_seconds)
        except Exception:
            logger.exception("outbox hint relay failed; retrying (the sweeper covers hints lost meanwhile)")
            connection = None
            stop.wait(1.0)
