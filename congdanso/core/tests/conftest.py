"""Fixtures for the core tests: task backend overrides, a clean outbox handler registry, subprocess helpers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, WorkerHeartbeat

REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}

# Settings a developer's shell or CI may export; a subprocess under test must not inherit them by accident.
PROJECT_VARIABLES = {
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "DEBUG", "DATA_DIR",
    "TASKS_BACKEND", "ALLOWED_HOSTS", "SQLITE_TEST_FILE", "HTTPS", "DEVIDP_ENABLED", "LOG_LEVEL",
    "WORKER_HEARTBEAT_SECONDS", "WORKER_STALE_SECONDS", "OUTBOX_SWEEP_SECONDS", "OUTBOX_LEASE_SECONDS",
    "OUTBOX_MAX_ATTEMPTS", "DB_CONN_MAX_AGE",
}


def clean_env(**overrides: str) -> dict[str, str]:
    """A copy of this process's environment without the project's settings (nor their ``*_FILE`` forms)."""
    env = {
        name: value for name, value in os.environ.items()
        if name not in PROJECT_VARIABLES and name.removesuffix("_FILE") not in PROJECT_VARIABLES
    }
    env["DJANGO_SETTINGS_MODULE"] = "congdanso.settings"
    env["PYTHONPATH"] = str(REPO)
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run([PYTHON, "manage.py", *args], env, timeout)


@pytest.fixture
def handlers() -> Iterator[dict[str, Any]]:
    """The outbox handler registries (single-row and batch), restored after the test."""
    saved, saved_batch = dict(outbox._handlers), dict(outbox._batch_handlers)
    yield outbox._handlers
    outbox._handlers.clear()
    outbox._handlers.update(saved)
    outbox._batch_handlers.clear()
    outbox._batch_handlers.update(saved_batch)


@pytest.fixture
def db_tasks() -> Iterator[None]:
    """Tasks go to the real database queue (django_tasks_db), whatever the environment says."""
    with override_settings(TASKS=DB_TASKS, TASKS_BACKEND="db"):
        yield


@dataclass
class ExternalDatabase:
    """A database that other processes can open: the test database on PostgreSQL (the test must be
    transactional), a migrated SQLite file in a temporary DATA_DIR otherwise (the in-memory test DB is private)."""

    env: dict[str, str]
    vendor: str
    sqlite_path: Path | None = None

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            db = sqlite3.connect(self.sqlite_path, timeout=20)
            try:
                with db:
                    return db.execute(sql, params).fetchall()
            finally:
                db.close()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="session")
def migrated_sqlite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("worker-data")
    result = manage("migrate", "--noinput", "-v0", env=clean_env(DATA_DIR=str(data_dir)), timeout=120)
    assert result.returncode == 0, result.stderr
    return data_dir


def external_database(request: pytest.FixtureRequest, **env: str) -> ExternalDatabase:
    marker = request.node.get_closest_marker("django_db")
    assert marker is not None and marker.kwargs.get("transaction"), (
        "mark the test @pytest.mark.django_db(transaction=True): other processes must see its rows, and the "
        "database must be emptied afterwards"
    )
    if connection.vendor == "postgresql":
        params = connection.settings_dict
        auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
        data_dir = request.getfixturevalue("tmp_path") / "data"
        return ExternalDatabase(env=clean_env(DATABASE_URL=url, DATA_DIR=str(data_dir), **env), vendor="postgresql")
    data_dir: Path = request.getfixturevalue("migrated_sqlite_dir")
    db = ExternalDatabase(env=clean_env(DATA_DIR=str(data_dir), **env), vendor="sqlite",
                          sqlite_path=data_dir / "congdanso.sqlite3")
    # Start each test from an empty queue (the file is shared by the session).
    for model in (OutboxMessage, WorkerHeartbeat, DBTaskResult):
        db.query(f"DELETE FROM {model._meta.db_table}")
    return db


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """Queue workers run in-process install their own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


def probe(command: str, *args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    result = run([PYTHON, "-m", "congdanso.core.tests.outbox_probe", command, *args], env, timeout)
    assert result.returncode == 0, f"probe {command} failed:\n{result.stdout}\n{result.stderr}"
    return result
