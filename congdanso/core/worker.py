"""The background worker's process-wide parts: connection hygiene and retries around each task (for RQ and for the
database queue), the outcomes of recent tasks, and a heartbeat row per worker process that carries them, with the
periodic outbox sweep riding along.

Django closes broken or expired database connections around each request (``close_old_connections`` on
request_started/finished); a worker has no requests, so it does the same around each task. Without it, a
connection broken once (a database restart, a failover, a network cut) failed every later task of the process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import deque
from datetime import datetime, timedelta
from typing import Any

import rq
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from congdanso.core import counters, outbox, periodic
from congdanso.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A task failing with one of these lost its database connection: run it again once the connection is replaced.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
CONNECTION_ERROR_PATHS = {f"{cls.__module__}.{cls.__qualname__}" for cls in CONNECTION_ERRORS}


class Outcomes:
    """Successes and failures of the tasks this process ran lately (thread-safe; read by the heartbeat)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: deque[tuple[float, bool]] = deque()
        self.last_success_at: datetime | None = None
        self.last_failure_at: datetime | None = None
        self.last_error = ""

    def record(self, ok: bool, error: str = "") -> None:
        with self._lock:
            self._events.append((time.monotonic(), ok))
            if ok:
                self.last_success_at = timezone.now()
            else:
                self.last_failure_at = timezone.now()
                self.last_error = error[:500]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            cutoff = time.monotonic() - settings.WORKER_FAILURE_WINDOW_SECONDS
            while self._events and self._events[0][0] < cutoff:
                self._events.popleft()
            return {
                "recent_tasks": len(self._events),
                "recent_failures": sum(1 for _at, ok in self._events if not ok),
                "last_success_at": self.last_success_at,
                "last_failure_at": self.last_failure_at,
                "last_error": self.last_error,
            }

    def reset(self) -> None:
        with self._lock:
            self._events.clear()
            self.last_success_at = self.last_failure_at = None
            self.last_error = ""


outcomes = Outcomes()


def is_failing(row: dict[str, Any]) -> bool:
    """Alive but failing: its last task failed, and so did at least WORKER_MAX_FAILURE_PERCENT of its recent
    ones. One success after an outage makes it healthy again."""
    if row["last_failure_at"] is None or not row["recent_tasks"]:
        return False
    if row["last_success_at"] is not None and row["last_success_at"] > row["last_failure_at"]:
        return False
    return row["recent_failures"] * 100 >= settings.WORKER_MAX_FAILURE_PERCENT * row["recent_tasks"]


class RQWorker(rq.SimpleWorker):
    """RQ's in-process worker, with Django's connection hygiene around each job, its outcome recorded, and a job
    that lost its database connection run again (``WORKER_DB_RETRIES`` times, ``WORKER_DB_RETRY_SECONDS`` apart).
    """

    _connection_failure = False

    def perform_job(self, job: Any, queue: Any, execution: Any) -> bool:
        close_old_connections()
        self._connection_failure = False
        try:
            ok = super().perform_job(job, queue, execution)
        finally:
            close_old_connections()
        outcomes.record(ok, "" if ok else self._last_error)
        return ok

    def handle_exception(self, job: Any, *exc_info: Any) -> None:
        exc = exc_info[1]
        self._connection_failure = isinstance(exc, CONNECTION_ERRORS)
        self._last_error = f"{type(exc).__name__}: {exc}"
        super().handle_exception(job, *exc_info)

    def handle_job_failure(self, job: Any, queue: Any, started_job_registry: Any = None, exc_string: str = "",
                           execution: Any = None) -> None:
        retried = int(job.meta.get("db_retries", 0))
        if self._connection_failure and not job.should_retry and retried < settings.WORKER_DB_RETRIES:
            job.meta["db_retries"] = retried + 1
            job.retries_left = 1
            job.retry_intervals = [settings.WORKER_DB_RETRY_SECONDS]
            logger.warning("job %s lost its database connection; retry %d in %ds", job.id, retried + 1,
                           settings.WORKER_DB_RETRY_SECONDS)
        super().handle_job_failure(job, queue, started_job_registry=started_job_registry, exc_string=exc_string,
                                   execution=execution)

    _last_error = ""


class DatabaseQueueWorker(DatabaseWorker):
    """django-tasks-db's worker, which survives the database going away (it waits and carries on instead of
    exiting), closes broken connections around each task, records outcomes, and runs again a task that lost its
    database connection."""

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except DatabaseError as exc:
                if self.batch or not self.running:
                    raise
                outcomes.record(False, f"{type(exc).__name__}: {exc}")
                logger.warning("database queue unreachable (%s: %s); retrying in %ds", type(exc).__name__, exc,
                               settings.WORKER_DB_RETRY_SECONDS)
                close_old_connections()
                time.sleep(settings.WORKER_DB_RETRY_SECONDS)
                self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        close_old_connections()
        try:
            super().run_task(db_task_result)
        finally:
            close_old_connections()
        ok = db_task_result.status == TaskResultStatus.SUCCESSFUL
        outcomes.record(ok, "" if ok else db_task_result.exception_class_path)
        if not ok and db_task_result.exception_class_path in CONNECTION_ERROR_PATHS:
            retry_database_task(db_task_result)


_database_retries: dict[str, int] = {}


def retry_database_task(db_task_result: DBTaskResult) -> None:
    """Enqueue a task that lost its connection again, a few seconds later, at most WORKER_DB_RETRIES times for the
    same task and arguments (counted in this process; the outbox sweeper re-runs the rows after that)."""
    task_result = db_task_result.task_result
    key = f"{db_task_result.task_path}:{task_result.args!r}:{task_result.kwargs!r}"
    retried = _database_retries.get(key, 0)
    if retried >= settings.WORKER_DB_RETRIES:
        _database_retries.pop(key, None)
        return
    if len(_database_retries) > 10_000:  # bounded memory: forget old counts
        _database_retries.clear()
    _database_retries[key] = retried + 1
    task = db_task_result.task.using(run_after=timezone.now() + timedelta(seconds=settings.WORKER_DB_RETRY_SECONDS))
    try:
        task.enqueue(*task_result.args, **task_result.kwargs)
        logger.warning("task %s lost its database connection; retry %d in %ds", db_task_result.pk, retried + 1,
                       settings.WORKER_DB_RETRY_SECONDS)
    except DatabaseError:  # still down: the outbox sweeper re-runs the task's rows
        logger.warning("could not enqueue the retry of task %s", db_task_result.pk, exc_info=True)


def beat(worker_id: str, backend: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "backend": backend,
                  "last_seen": timezone.now(), **outcomes.snapshot()},
    )


def forget(worker_id: str) -> None:
    try:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    except Exception:
        logger.debug("could not remove heartbeat of %s", worker_id, exc_info=True)


def heartbeat_loop(worker_id: str, backend: str, stop: threading.Event) -> None:
    next_sweep = 0.0
    while not stop.is_set():
        try:
            close_old_connections()
            beat(worker_id, backend)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + settings.OUTBOX_SWEEP_SECONDS
                result = outbox.sweep()
                if any(result.values()):
                    logger.info("outbox sweep: %s", result)
                counters.purge_expired()
            periodic.run_due()
        except Exception:
            logger.exception("heartbeat/sweep failed; retrying")
        finally:
            connection.close()
        stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


def fresh_heartbeats() -> list[dict[str, Any]]:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values(  # type: ignore[arg-type]  # TypedDict rows
        "worker_id", "recent_tasks", "recent_failures", "last_success_at", "last_failure_at", "last_error"))


def fresh_workers() -> int:
    return len(fresh_heartbeats())
