"""Fault tests: a real worker process (RQ on a throwaway Redis) while the database refuses connections, while Redis
is stopped, and killed in the middle of a batch. Nothing is lost, /readyz tells the truth meanwhile, and the worker
recovers without a restart.

The database outage goes through a TCP proxy on loopback that the test stops and starts (PostgreSQL only: SQLite
has no connection to lose); Redis is a redis-server of the test's own on a free loopback port, killed and started
again. The machine's shared services are never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from congdanso.core.tests.conftest import PYTHON, REPO, external_database, run
from congdanso.testing.factories import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target. ``stop`` cuts every open connection and refuses new ones (the port
    is closed), as a database that went away does; ``start`` accepts again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._server: socket.socket | None = None
        self.start()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        server.settimeout(0.2)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while self._server is server:
            try:
                client, _address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    def _close(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        with self._lock:
            self._sockets.discard(sock)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:
            self._close(sock)


class ThrowawayRedis:
    """A redis-server of this test's own, on a free loopback port, without persistence."""

    def __init__(self, directory: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._ping(client), 10, "the throwaway redis-server")

    @staticmethod
    def _ping(client: Any) -> bool:
        try:
            return bool(client.ping())
        except Exception:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    yield server
    server.kill()


class Worker:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.log = Path(env["PROBE_LOG"]).with_suffix(f".worker-{time.monotonic_ns()}.out")
        with self.log.open("w") as out:  # a file, not a pipe: RQ's scheduler child inherits it
            self.process = subprocess.Popen([PYTHON, "-m", "congdanso.core.tests.fault_probe", "worker"],
                                            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-8000:]

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Its own process group: RQ's forked scheduler too (it outlives a worker killed with SIGKILL).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def worker_env(base: dict[str, str], log: Path, **extra: str) -> dict[str, str]:
    return base | {
        "TASKS_BACKEND": "rq", "PROBE_LOG": str(log), "WORKER_HEARTBEAT_SECONDS": "1", "OUTBOX_SWEEP_SECONDS": "1",
        "WORKER_STALE_SECONDS": "3", "WORKER_DB_RETRY_SECONDS": "1", "LOG_LEVEL": "WARNING",
    } | extra


def enqueue(env: dict[str, str], first: int, count: int) -> None:
    result = run([PYTHON, "-m", "congdanso.core.tests.fault_probe", "enqueue", str(first), str(count)], env, 60)
    assert result.returncode == 0, result.stderr


def deliveries(log: Path) -> Counter[int]:
    if not log.exists():
        return Counter()
    return Counter(int(line.split()[0]) for line in log.read_text().splitlines())


def get(env: dict[str, str], *paths: str) -> list[dict[str, Any]]:
    """GET each path as a web process with ``env`` (straight to the database) answers it."""
    result = run([PYTHON, "-m", "congdanso.core.tests.fault_probe", "get", *paths], env, 60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def readiness(env: dict[str, str]) -> dict[str, Any]:
    answer = get(env, "/readyz")[0]
    return {"status_code": answer["status_code"], **answer["body"]}


def test_worker_recovers_after_the_database_refused_connections(
    request: pytest.FixtureRequest, throwaway_redis: ThrowawayRedis, tmp_path: Path,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a database outage needs a database server (PostgreSQL)")
    db = external_database(request, REDIS_URL=throwaway_redis.url)
    params = connection.settings_dict
    proxy = TcpProxy((params["HOST"] or "127.0.0.1", int(params["PORT"] or 5432)))
    log = tmp_path / "deliveries.log"
    direct = db.env | {"PROBE_LOG": str(log), "WORKER_STALE_SECONDS": "3", "TASKS_BACKEND": "rq"}
    through_proxy = db.env["DATABASE_URL"].replace(f":{params['PORT'] or 5432}/", f":{proxy.port}/")
    assert through_proxy != db.env["DATABASE_URL"]
    worker = Worker(worker_env(db.env, log, DATABASE_URL=through_proxy, DB_CONN_MAX_AGE="600"))
    try:
        wait_for(lambda: readiness(direct)["checks"]["worker"]["ok"], 30, "the worker's first heartbeat")
        enqueue(direct, 0, 5)
        wait_for(lambda: set(deliveries(log)) == set(range(5)), 30, "the first rows")

        proxy.stop()  # the database refuses connections; the worker's open connections are cut
        enqueue(direct, 5, 5)  # written meanwhile (by a web process that still reaches the database)
        outage = wait_for(lambda: (r := readiness(direct))["status_code"] == 503 and r, 15, "readiness to fail")
        assert outage["checks"]["worker"]["ok"] is False  # its heartbeat went stale: it cannot reach the DB
        time.sleep(8)
        assert set(deliveries(log)) == set(range(5))
        assert worker.alive()

        proxy.start()  # the database is back: the same worker process carries on
        wait_for(lambda: set(deliveries(log)) == set(range(10)), 90, "the rows written during the outage")
        assert deliveries(log) == Counter(range(10))  # each exactly once
        assert worker.alive(), "the worker had to be restarted"
        ready = wait_for(lambda: (r := readiness(direct))["status_code"] == 200 and r, 30, "readiness to recover")
        assert ready["checks"]["outbox"]["oldest_pending_seconds"] == 0
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker output ---\n{worker.output()}") from error
    finally:
        worker.stop()
        proxy.stop()


def test_worker_recovers_after_redis_was_stopped(
    request: pytest.FixtureRequest, throwaway_redis: ThrowawayRedis, tmp_path: Path,
) -> None:
    db = external_database(request, REDIS_URL=throwaway_redis.url)
    log = tmp_path / "deliveries.log"
    direct = db.env | {"PROBE_LOG": str(log), "WORKER_STALE_SECONDS": "3", "TASKS_BACKEND": "rq"}
    worker = Worker(worker_env(db.env, log))
    try:
        wait_for(lambda: readiness(direct)["checks"]["worker"]["ok"], 30, "the worker's first heartbeat")
        enqueue(direct, 0, 3)
        wait_for(lambda: set(deliveries(log)) == set(range(3)), 30, "the first rows")

        throwaway_redis.kill()
        enqueue(direct, 3, 3)  # committed; the task cannot be queued, the sweeper will carry the rows later
        outage = readiness(direct)
        assert outage["status_code"] == 503
        assert outage["checks"]["redis"] == {"ok": False, "cache": "ConnectionError", "queue": "ConnectionError"}
        # What residents and integrators see meanwhile: an answer, or a 503 with Retry-After; never a 500.
        for answer in get(direct, "/api/v1/reports", "/open311/v2/requests.json", "/phan-anh/", "/"):
            assert answer["status_code"] in (200, 503), answer
            if answer["status_code"] == 503:
                assert answer["retry_after"], answer
        time.sleep(3)
        assert worker.alive()

        throwaway_redis.start()
        wait_for(lambda: set(deliveries(log)) == set(range(6)), 90, "the rows written while Redis was down")
        assert deliveries(log) == Counter(range(6))
        assert worker.alive(), "the worker had to be restarted"
        assert readiness(direct)["checks"]["redis"]["ok"] is True
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker output ---\n{worker.output()}") from error
    finally:
        worker.stop()


def test_a_worker_killed_mid_batch_loses_nothing(
    request: pytest.FixtureRequest, throwaway_redis: ThrowawayRedis, tmp_path: Path,
) -> None:
    db = external_database(request, REDIS_URL=throwaway_redis.url)
    log = tmp_path / "deliveries.log"
    direct = db.env | {"PROBE_LOG": str(log), "WORKER_STALE_SECONDS": "3", "TASKS_BACKEND": "rq"}
    env = worker_env(db.env, log, PROBE_DELAY="0.3", OUTBOX_LEASE_SECONDS="4")
    first = Worker(env)
    second: Worker | None = None
    try:
        wait_for(lambda: readiness(direct)["checks"]["worker"]["ok"], 30, "the worker's first heartbeat")
        enqueue(direct, 0, 20)
        wait_for(lambda: len(deliveries(log)) >= 3, 30, "the batch to start")
        os.kill(first.process.pid, signal.SIGKILL)  # mid-batch: some rows done, one claimed, the rest waiting
        first.process.wait(timeout=10)
        done_before = set(deliveries(log))
        assert done_before != set(range(20))
        stale = wait_for(lambda: (r := readiness(direct))["status_code"] == 503 and r, 15, "readiness to fail")
        assert stale["checks"]["worker"]["fresh_workers"] == 0

        second = Worker(env)
        wait_for(lambda: set(deliveries(log)) == set(range(20)), 90, "every row after the restart")
        counts = deliveries(log)
        assert max(counts.values()) <= 2  # at least once; only the row held at the kill may run twice
        assert sum(counts.values()) <= 21
        wait_for(lambda: readiness(direct)["status_code"] == 200, 30, "readiness to recover")
    except AssertionError as error:
        output = second.output() if second is not None else first.output()
        raise AssertionError(f"{error}\n--- worker output ---\n{output}") from error
    finally:
        if second is not None:
            second.stop()
        first.stop()


