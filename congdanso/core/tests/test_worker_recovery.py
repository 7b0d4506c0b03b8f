"""The worker recovers from a lost database connection without a restart: broken connections are closed around
each task (RQ and the database queue), a task that lost its connection runs again, and the heartbeat carries
the outcomes so that /readyz can tell a worker that is alive but failing every task."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from congdanso.core import worker
from congdanso.core.models import WorkerHeartbeat
from congdanso.core.tests.test_outbox_worker import redis_or_skip

calls: list[str] = []


def read_the_database(tag: str) -> int:
    calls.append(tag)
    return WorkerHeartbeat.objects.count()


def parse_number(text: str) -> int:
    return int(text)


_flaky_state: dict[str, int] = {}


def fail_once_then_read(tag: str) -> int:
    """Raises OperationalError (a lost connection) on its first call for ``tag``."""
    _flaky_state[tag] = _flaky_state.get(tag, 0) + 1
    if _flaky_state[tag] == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return read_the_database(tag)


@task()
def flaky_task(tag: str) -> int:
    return fail_once_then_read(tag)


@pytest.fixture(autouse=True)
def clean_state(settings: Any) -> Iterator[None]:
    settings.WORKER_DB_RETRY_SECONDS = 0
    calls.clear()
    _flaky_state.clear()
    worker.outcomes.reset()
    yield
    worker.outcomes.reset()


@pytest.fixture
def rq_queue() -> Iterator[Any]:
    from rq import Queue

    client = redis_or_skip()
    queue = Queue(f"test-recovery-{uuid.uuid4().hex}", connection=client)
    yield queue
    queue.delete(delete_jobs=True)


def terminate_this_connection() -> None:
    """Have PostgreSQL end this thread's connection, as a restart or failover does (the client is not told)."""
    import psycopg

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def run_rq_burst(queue: Any) -> None:
    worker.RQWorker([queue], connection=queue.connection).work(burst=True)


@pytest.mark.django_db(transaction=True)
def test_rq_jobs_after_the_connection_was_dropped_run_on_a_new_one(rq_queue: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a dropped server connection needs a database server")
    jobs = [rq_queue.enqueue(read_the_database, f"job-{n}") for n in range(3)]
    terminate_this_connection()
    run_rq_burst(rq_queue)
    assert [job.get_status(refresh=True) for job in jobs] == ["finished"] * 3, [job.exc_info for job in jobs]
    assert calls == ["job-0", "job-1", "job-2"]


@pytest.mark.django_db(transaction=True)
def test_an_rq_job_that_lost_its_connection_runs_again_and_is_counted(rq_queue: Any) -> None:
    job = rq_queue.enqueue(fail_once_then_read, "flaky")
    run_rq_burst(rq_queue)
    assert job.get_status(refresh=True) == "finished"
    assert _flaky_state["flaky"] == 2 and calls == ["flaky"]
    snapshot = worker.outcomes.snapshot()
    assert (snapshot["recent_tasks"], snapshot["recent_failures"]) == (2, 1)
    assert "OperationalError" in snapshot["last_error"]


@pytest.mark.django_db(transaction=True)
def test_an_rq_job_failing_for_another_reason_is_not_retried(rq_queue: Any) -> None:
    job = rq_queue.enqueue(parse_number, "not a number")
    run_rq_burst(rq_queue)
    assert job.get_status(refresh=True) == "failed"
    assert worker.outcomes.snapshot()["recent_failures"] == 1


def database_worker(**overrides: Any) -> worker.DatabaseQueueWorker:
    options: dict[str, Any] = {"queue_names": ["default"], "interval": 0, "batch": True, "backend_name": "default",
                               "startup_delay": False, "max_tasks": None, "worker_id": "test-worker",
                               "excluded_queue_names": []}
    return worker.DatabaseQueueWorker(**(options | overrides))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("db_tasks")
def test_a_database_queue_task_that_lost_its_connection_runs_again() -> None:
    flaky_task.enqueue("db-flaky")
    database_worker().run()
    assert _flaky_state["db-flaky"] == 2 and calls == ["db-flaky"]
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == sorted([TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("db_tasks")
def test_the_database_queue_worker_runs_tasks_after_the_connection_was_dropped() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a dropped server connection needs a database server")
    flaky_task.enqueue("after-drop")
    terminate_this_connection()
    database_worker().run()
    assert calls == ["after-drop"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("db_tasks")
def test_the_database_queue_worker_waits_out_an_outage_instead_of_exiting(monkeypatch: pytest.MonkeyPatch,
                                                                          settings: Any) -> None:
    """The queue itself is in the database: while it is unreachable the worker waits and carries on."""
    from django_tasks_db.models import DBTaskResultQuerySet

    real = DBTaskResultQuerySet.get_locked
    failures = iter([OperationalError("connection refused")] * 2)
    running = database_worker(batch=False)

    def get_locked(self: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        result = real(self)
        if result is None:
            running.running = False  # queue drained: stop
        return result

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", get_locked)
    flaky_task.enqueue("outage")
    running.run()
    assert calls == ["outage"]
    assert worker.outcomes.snapshot()["recent_failures"] >= 2


@pytest.mark.django_db
def test_readyz_reports_a_worker_that_is_alive_but_failing(client: Client, settings: Any) -> None:
    settings.TASKS_BACKEND = "db"
    for _ in range(3):
        worker.outcomes.record(False, "InterfaceError: the connection is closed")
    worker.beat("host-a:1", "db")
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"]["worker"]
    assert check["ok"] is False and check["fresh_workers"] == 1
    assert check["failing_workers"][0]["recent_failures"] == 3
    assert "connection is closed" in check["failing_workers"][0]["last_error"]
    worker.outcomes.record(True)  # recovered: one success after the failures
    worker.beat("host-a:1", "db")
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_reports_an_outbox_that_is_not_drained(client: Client, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from congdanso.core.models import OutboxMessage

    settings.TASKS_BACKEND = "db"
    settings.OUTBOX_MAX_PENDING_SECONDS = 60
    worker.beat("host-a:1", "db")
    assert client.get("/readyz").status_code == 200
    OutboxMessage.objects.create(topic="t", payload={}, available_at=timezone.now() - timedelta(seconds=90))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"]["ok"] is False
    assert response.json()["checks"]["outbox"]["oldest_pending_seconds"] >= 90
