"""End to end: committed outbox rows reach their handler exactly once through a real worker and a real queue
(the database queue, and RQ on Redis when one is reachable), including a row whose worker died holding it."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, OutboxStatus
from congdanso.core.tests.conftest import external_database, probe

TOPIC = "test.e2e"
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
# Every test file using REDIS_TEST_URL runs on one xdist worker: they flush that database.
pytestmark = pytest.mark.xdist_group("redis-db-15")


def deliveries(log: Path) -> Counter[int]:
    if not log.exists():
        return Counter()
    return Counter(int(line.split()[0]) for line in log.read_text().splitlines())


def recorder(log: Path) -> Any:
    def deliver(payload: dict[str, Any]) -> None:
        with log.open("a") as out:
            out.write(f"{payload['n']} {os.getpid()}\n")

    return deliver


def dead_worker_row(n: int) -> OutboxMessage:
    long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 60)
    return OutboxMessage.objects.create(topic=TOPIC, payload={"n": n}, status=OutboxStatus.CLAIMED, attempts=1,
                                        claimed_at=long_ago, claimed_by="dead-host:4242", enqueued_at=long_ago,
                                        available_at=long_ago)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("db_tasks", "keep_signal_handlers")
def test_database_queue_worker_runs_each_committed_row_exactly_once(handlers: Any, tmp_path: Path) -> None:
    log = tmp_path / "deliveries.log"
    outbox.register(TOPIC, recorder(log))
    with transaction.atomic():
        rows = [outbox.enqueue(TOPIC, {"n": n}) for n in range(4)]
        rows += outbox.enqueue_many(TOPIC, [{"n": n} for n in range(4, 8)])
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(TOPIC, {"n": 99})  # rolled back: must never be delivered
        raise RuntimeError
    outbox._hint([rows[0].pk, rows[1].pk])  # the commit's task is waiting and will claim them: no second task
    assert DBTaskResult.objects.count() == 1
    outbox._hint([rows[0].pk, rows[1].pk], force=True)  # a duplicated hint (as the sweeper's) is harmless
    crashed = dead_worker_row(-1)  # claimed by a worker that died; no task carries it
    assert DBTaskResult.objects.count() == 1 + 1  # one task for the commit, one for the repeated hint
    assert deliveries(log) == Counter()

    call_command("run_worker", burst=True)  # sweeps (releasing the dead claim), then runs the queue dry

    assert deliveries(log) == Counter(range(-1, 8))  # every n exactly once, 99 never
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert set(statuses.values()) == {OutboxStatus.DONE}
    assert OutboxMessage.objects.get(pk=crashed.pk).attempts == 2
    assert set(OutboxMessage.objects.exclude(pk=crashed.pk).values_list("attempts", flat=True)) == {1}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}

    # Running the worker again finds nothing to do.
    call_command("run_worker", burst=True)
    assert deliveries(log) == Counter(range(-1, 8))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("db_tasks", "keep_signal_handlers")
def test_database_queue_worker_retries_a_failing_row_after_its_backoff(handlers: Any, tmp_path: Path) -> None:
    log = tmp_path / "deliveries.log"
    attempts: list[int] = []

    def flaky(payload: dict[str, Any]) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("push service unavailable")
        recorder(log)(payload)

    outbox.register(TOPIC, flaky)
    with transaction.atomic():
        message = outbox.enqueue(TOPIC, {"n": 1})
    call_command("run_worker", burst=True)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert "push service unavailable" in message.last_error
    # The backoff passes; the next sweep (here: the next burst) hints it again and it goes through.
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    call_command("run_worker", burst=True)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DONE, 2)
    assert deliveries(log) == Counter([1])


def redis_or_skip() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL} ({exc}); the RQ end-to-end test needs it")
    return client


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["db", "rq"])
def test_worker_process_runs_each_row_exactly_once(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Three processes, as in production: one commits the rows, a worker runs them, a third reads the outcome."""
    log = tmp_path / "deliveries.log"
    env = {"TASKS_BACKEND": backend, "PROBE_LOG": str(log)}
    redis_client = None
    if backend == "rq":
        redis_client = redis_or_skip()
        redis_client.flushdb()
        env["REDIS_URL"] = REDIS_TEST_URL
    db = external_database(request, **env)
    try:
        probe("setup", "6", env=db.env)
        assert deliveries(log) == Counter()
        probe("worker", "--burst", env=db.env)
        rows = json.loads(probe("state", env=db.env).stdout)
        assert deliveries(log) == Counter(range(-1, 6))
        assert {row["status"] for row in rows} == {"done"}
        assert sorted(row["attempts"] for row in rows) == [1] * 6 + [2]
        delivered_by = {int(line.split()[1]) for line in log.read_text().splitlines()}
        assert os.getpid() not in delivered_by
        if redis_client is not None:
            assert redis_client.llen("rq:queue:default") == 0
            assert redis_client.zcard("rq:failed:default") == 0
        else:
            statuses = {row[0] for row in db.query("SELECT status FROM django_tasks_database_dbtaskresult")}
            assert statuses == {"SUCCESSFUL"}
    finally:
        if redis_client is not None:
            redis_client.flushdb()


@pytest.mark.django_db(transaction=True)
def test_a_running_rq_worker_runs_rows_committed_after_it_started_without_waiting_for_a_sweep(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The commit's task, not the sweeper, carries them: the sweep interval is ten minutes here."""
    import subprocess

    from congdanso.core.tests.conftest import PYTHON, REPO

    client = redis_or_skip()
    client.flushdb()
    log = tmp_path / "deliveries.log"
    db = external_database(request, TASKS_BACKEND="rq", REDIS_URL=REDIS_TEST_URL, PROBE_LOG=str(log),
                           OUTBOX_SWEEP_SECONDS="600", WORKER_HEARTBEAT_SECONDS="1")
    worker = subprocess.Popen([PYTHON, "-m", "congdanso.core.tests.outbox_probe", "worker"], cwd=REPO, env=db.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        # The worker's first sweep runs as it starts; wait for its heartbeat so the rows come after that sweep.
        deadline = time.monotonic() + 30
        while not db.query("SELECT 1 FROM core_workerheartbeat") and time.monotonic() < deadline:
            time.sleep(0.2)
        probe("setup", "3", env=db.env)
        deadline = time.monotonic() + 20
        while deliveries(log) != Counter(range(3)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert deliveries(log) == Counter(range(3))  # each once, though hinted twice; the dead claim waits a sweep
        rows = json.loads(probe("state", env=db.env).stdout)
        assert [row["status"] for row in rows] == ["done"] * 3 + ["claimed"]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.stderr:
            worker.stderr.close()
        client.flushdb()


@pytest.mark.django_db(transaction=True)
def test_with_rq_commits_while_a_task_waits_in_the_queue_add_no_task(handlers: Any) -> None:
    """The key saying a task waits lives in the shared Redis cache: thirty commits, one job; once the job starts,
    the next commit enqueues a job of its own; a key left by a task that was never enqueued expires."""
    client = redis_or_skip()
    client.flushdb()
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": REDIS_TEST_URL}}
    outbox.register(TOPIC, lambda payload: None)
    try:
        with override_settings(TASKS=rq_tasks, RQ_QUEUES={"default": {"URL": REDIS_TEST_URL}},
                               CACHES=redis_cache, OUTBOX_SWEEP_SECONDS=1):
            for n in range(30):
                with transaction.atomic():
                    outbox.enqueue(TOPIC, {"n": n})
            assert client.llen("rq:queue:default") == 1
            outbox.run_outbox_batch.call([])  # the job starts (in this process): it claims all thirty
            assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}
            with transaction.atomic():
                outbox.enqueue(TOPIC, {"n": 30})
            assert client.llen("rq:queue:default") == 2
            # The second job was lost (Redis emptied but the key): after OUTBOX_SWEEP_SECONDS a commit hints again.
            client.delete("rq:queue:default")
            with transaction.atomic():
                outbox.enqueue(TOPIC, {"n": 31})
            assert client.llen("rq:queue:default") == 0
            time.sleep(1.1)
            with transaction.atomic():
                outbox.enqueue(TOPIC, {"n": 32})
            assert client.llen("rq:queue:default") == 1
    finally:
        client.flushdb()
