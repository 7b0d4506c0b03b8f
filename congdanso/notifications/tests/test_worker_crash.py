"""Kill a worker mid-batch (SIGKILL, real subprocesses) and start another: every notification arrives, and none
is sent twice except the few "in doubt" (claimed and maybe sent by the killed worker, not yet recorded) — those
carry the same notification tag, so the device shows them once. Runs on the database queue and on RQ (Redis)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from congdanso.notifications.tests.pushservice import PushService
from congdanso.testing.factories import wait_for

ROOT = Path(__file__).resolve().parents[3]
REDIS_DB = 13  # dedicated to this test; flushed before and after
N = 60

pytestmark = pytest.mark.slow


def _postgres_url(base: str, suffix: str) -> str:
    import psycopg

    parts = urlsplit(base)
    name = parts.path.lstrip("/") + suffix
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def _drop_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


class World:
    def __init__(self, tmp_path: Path, backend: str):
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TASKS_BACKEND", "DATABASE_URL"}}
        outer_db = os.environ.get("DATABASE_URL", "")
        self.pg_url = _postgres_url(outer_db, f"_crash_{backend}") if outer_db.startswith("postgres") else ""
        self.env.update(
            DATA_DIR=str(tmp_path), DEBUG="1", TASKS_BACKEND=backend, PYTHONUNBUFFERED="1",
            DATABASE_URL=self.pg_url or f"sqlite:///{tmp_path}/crash.sqlite3",
            OUTBOX_LEASE_SECONDS="3", OUTBOX_SWEEP_SECONDS="1", WORKER_HEARTBEAT_SECONDS="1",
            NOTIFY_BATCH_SIZE="20", NOTIFY_COMMIT_EVERY="4", PUSH_CONCURRENCY="4", NOTIFY_RETRY_SECONDS="1",
            DJANGO_SETTINGS_MODULE="congdanso.settings",
        )
        if backend == "rq":
            self.env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        self.log_path = tmp_path / "workers.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.workers: list[subprocess.Popen] = []

    def run(self, *args: str) -> str:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def state(self) -> list[list]:
        out = self.run("-m", "congdanso.notifications.tests.scenario", "state")
        return json.loads(out.strip().splitlines()[-1])["deliveries"]

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=self.env,
                                  stdout=self.log, stderr=self.log, start_new_session=True)
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen) -> None:
        # The worker and every process it forked: RQ runs each job in a "work horse" child in its own session.
        for pid in [*descendants(worker.pid), worker.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)

    def wait_for(self, condition, timeout: float, what: str) -> None:
        try:
            wait_for(condition, timeout, what)
        except AssertionError as exc:
            self.log.flush()
            lines = self.log_path.read_text().splitlines()
            raise AssertionError(f"{exc}; deliveries: {Counter(r[2] for r in self.state())}; workers log:\n"
                                 + "\n".join(lines[-60:])) from None

    def close(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
        self.log.close()
        if self.pg_url:
            _drop_postgres(self.pg_url)


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()


@pytest.mark.parametrize("backend", ["db", "rq"])
def test_killed_workers_lose_nothing_and_repeat_only_what_was_in_doubt(tmp_path: Path, backend: str) -> None:
    if backend == "rq":
        _flush_redis()
    push = PushService(delay_seconds=0.04).start()
    world = World(tmp_path, backend)
    try:
        world.run("manage.py", "migrate", "--noinput", "-v", "0")
        subscriptions = [push.subscribe(f"/ok/{i}")[1] for i in range(N)]
        (tmp_path / "subs.json").write_text(json.dumps(subscriptions))
        world.run("-m", "congdanso.notifications.tests.scenario", "setup", str(tmp_path / "subs.json"))

        in_doubt: set[int] = set()
        for kill_at in (12, 30):
            worker = world.start_worker()
            world.wait_for(lambda k=kill_at: len(push.messages()) >= k, 150, f"{kill_at} pushes")
            world.kill(worker)
            rows = world.state()
            in_doubt |= {notification for _pk, notification, status, _a, _c in rows if status == "sending"}
        distinct_before_restart = len({m["id"] for m in push.messages()})
        assert distinct_before_restart < N, "the workers were killed mid-batch"

        world.start_worker()
        world.wait_for(lambda: all(r[2] in ("sent", "failed", "expired") for r in world.state()), 180,
                       "all deliveries")
        rows = world.state()
    finally:
        world.close()
        push.stop()
        if backend == "rq":
            _flush_redis()

    notifications = {notification for _pk, notification, *_rest in rows}
    assert len(rows) == N and {r[2] for r in rows} == {"sent"}
    received = Counter(m["id"] for m in push.messages())
    assert set(received) == notifications, "every notification arrived"
    repeated = {n for n, count in received.items() if count > 1}
    assert repeated <= in_doubt, f"only in-doubt rows may be re-sent: {repeated - in_doubt}"
    assert all(count <= 3 for count in received.values())
    print(f"{backend}: {N} notifications, {sum(received.values())} pushes, in doubt after kills: {len(in_doubt)}, "
          f"re-sent: {len(repeated)}")
    tags = Counter(m["tag"] for m in push.messages())
    assert set(tags) == {f"cds-{n}" for n in notifications}, "one tag per notification: shown once on the device"
    assert not [item.error for item in push.received if item.error], "every push decrypted and carried valid VAPID"
