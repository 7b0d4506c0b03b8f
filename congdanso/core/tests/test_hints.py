"""Outbox hints with RQ: a commit appends row ids to a Redis list; the worker's relay turns them into tasks."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from congdanso.core import hints, outbox
from congdanso.core.tests.conftest import PYTHON, REPO, external_database, probe
from congdanso.core.tests.test_outbox_worker import REDIS_TEST_URL, deliveries, redis_or_skip

TOPIC = "test.hints"
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 60}}


@pytest.fixture
def rq() -> Iterator[Any]:
    """Tasks go to RQ on a scratch Redis database, emptied before and after."""
    client = redis_or_skip()
    client.flushdb()
    with override_settings(TASKS=RQ_TASKS, RQ_QUEUES=RQ_QUEUES, TASKS_BACKEND="rq"):
        yield client
    client.flushdb()


def queued_batches(client: Any) -> list[list[int]]:
    """The row ids of each run_outbox_batch job waiting in RQ, in queue order."""
    from rq import Queue

    queue = Queue("default", connection=client)
    return [job.args[0] for job in queue.get_jobs()]


def waiting_hints(client: Any) -> list[int]:
    return [int(value) for value in client.lrange(hints.HINT_LIST, 0, -1)]


@pytest.mark.django_db(transaction=True)
def test_a_commit_appends_its_rows_to_the_hint_list_and_builds_no_job(rq: Any) -> None:
    with transaction.atomic():
        first = outbox.enqueue(TOPIC, {"n": 1})
        second = outbox.enqueue(TOPIC, {"n": 2})
        assert waiting_hints(rq) == []  # nothing before the commit
    assert waiting_hints(rq) == [first.pk, second.pk]
    assert queued_batches(rq) == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_hint(rq: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(TOPIC, {"n": 1})
        raise RuntimeError
    assert waiting_hints(rq) == []


@pytest.mark.django_db(transaction=True)
def test_the_relay_turns_waiting_hints_into_tasks_of_at_most_100_rows_each_once(rq: Any) -> None:
    ids = list(range(1, 251))
    hints.send(ids)
    hints.send([5, 6])  # hinted again while waiting: carried once
    assert hints.relay_once(hints.redis_connection(), 1) == 250
    batches = queued_batches(rq)
    assert [len(batch) for batch in batches] == [100, 100, 50]
    assert sorted(i for batch in batches for i in batch) == ids
    assert waiting_hints(rq) == []
    # Nothing waiting: the relay waits its time out and enqueues nothing.
    started = time.monotonic()
    assert hints.relay_once(hints.redis_connection(), 0.2) == 0
    assert time.monotonic() - started >= 0.15
    assert len(queued_batches(rq)) == 3


@pytest.mark.django_db(transaction=True)
def test_drain_empties_a_list_longer_than_one_pop(rq: Any) -> None:
    hints.send(list(range(1, hints.POP_SIZE * 2 + 7)))
    assert hints.drain() == hints.POP_SIZE * 2 + 6
    assert waiting_hints(rq) == []
    assert sum(len(batch) for batch in queued_batches(rq)) == hints.POP_SIZE * 2 + 6


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_relay_thread_keeps_going_after_redis_fails_and_stops_when_told(
    rq: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    real = hints.relay_once

    def flaky(connection: Any, wait_seconds: float) -> int:
        calls.append("call")
        if len(calls) == 1:
            raise ConnectionError("Redis went away")
        return real(connection, 0.1)

    stop = threading.Event()
    hints.send([41, 42])
    original, hints.relay_once = hints.relay_once, flaky
    try:
        thread = threading.Thread(target=hints.relay_loop, args=(stop, 0.1))
        thread.start()
        deadline = time.monotonic() + 10
        while not queued_batches(rq) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        thread.join(timeout=5)
    finally:
        hints.relay_once = original
    assert not thread.is_alive()
    assert queued_batches(rq) == [[41, 42]]
    assert "hint relay failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_takes_hints_as_tasks(db_tasks: None) -> None:
    from django_tasks_db.models import DBTaskResult

    assert not hints.through_relay()
    hints.send([7, 8])
    assert [r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()] == [[7, 8]]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_running_rq_worker_runs_rows_committed_after_it_started_without_waiting_for_a_sweep(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The relay, not the sweeper, carries them: the sweep interval is ten minutes here."""
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
        assert client.llen(hints.HINT_LIST) == 0
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
