"""``manage.py run_worker`` as operators run it: a separate process that beats while alive and cleans up on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from congdanso.core.tests.conftest import PYTHON, REPO, external_database, probe
from congdanso.testing.factories import wait_for

pytestmark = pytest.mark.slow


@pytest.mark.django_db(transaction=True)
def test_database_worker_beats_while_running_and_removes_its_heartbeat_on_sigint(
    request: pytest.FixtureRequest,
) -> None:
    db = external_database(request, TASKS_BACKEND="db", WORKER_HEARTBEAT_SECONDS="1", OUTBOX_SWEEP_SECONDS="1")
    process = subprocess.Popen([PYTHON, "manage.py", "run_worker"], cwd=REPO, env=db.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sql = "SELECT worker_id, pid, backend, last_seen FROM core_workerheartbeat WHERE pid = ?"
        rows = wait_for(lambda: db.query(sql, (process.pid,)), 20, "the worker's first heartbeat")
        worker_id, pid, backend, first_seen = rows[0]
        assert (pid, backend) == (process.pid, "db")
        assert worker_id.endswith(f":{process.pid}")

        ready = json.loads(probe("ready", env=db.env).stdout)
        assert ready["status_code"] == 200, ready
        assert ready["checks"]["worker"]["fresh_workers"] == 1

        # It keeps beating (every second here).
        wait_for(lambda: db.query(sql, (process.pid,))[0][3] != first_seen, 5, "a second heartbeat")
        assert process.poll() is None

        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        returncode = process.wait(timeout=10)
        assert time.monotonic() - started < 5
        assert returncode == 0, process.stderr.read() if process.stderr else ""
        assert db.query(sql, (process.pid,)) == []

        ready = json.loads(probe("ready", env=db.env).stdout)
        assert ready["status_code"] == 503
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
