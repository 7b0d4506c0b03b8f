"""Recurring jobs: each runs once per period among all worker processes, a failure does not stop the others."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from congdanso.core import periodic


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(periodic, "_jobs", {})
    monkeypatch.setattr(periodic, "_next_run", {})
    cache.clear()
    yield
    cache.clear()


def test_a_job_runs_once_per_period() -> None:
    runs: list[int] = []
    periodic.register("test.count", 60, lambda: runs.append(1))
    assert periodic.run_due(now=1000.0) == ["test.count"]
    assert periodic.run_due(now=1030.0) == []  # not yet due in this process
    assert runs == [1]


def test_another_process_does_not_run_a_job_claimed_for_the_period(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    periodic.register("test.claimed", 60, lambda: runs.append(1))
    periodic.run_due(now=1000.0)
    monkeypatch.setattr(periodic, "_next_run", {})  # a second worker process: its own schedule, the same cache
    assert periodic.run_due(now=1000.0) == []
    assert runs == [1]
    cache.delete("periodic:test.claimed")  # the period ended
    assert periodic.run_due(now=1061.0) == ["test.claimed"] and runs == [1, 1]


def test_a_failing_job_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[str] = []

    def broken() -> None:
        raise RuntimeError("storage down")

    periodic.register("test.a_broken", 60, broken)
    periodic.register("test.b_fine", 60, lambda: runs.append("fine"))
    assert periodic.run_due(now=5.0) == ["test.b_fine"]
    assert runs == ["fine"] and "test.a_broken failed" in caplog.text


def test_the_apps_register_their_jobs() -> None:
    from django.apps import apps

    monkeypatched = periodic._jobs
    apps.get_app_config("dossiers").ready()  # registers again into this test's registry
    assert "dossiers.purge_stale_files" in monkeypatched
    assert monkeypatched["dossiers.purge_stale_files"].every >= 60


@pytest.mark.django_db(transaction=True)  # the beat closes its connection, as in a worker
def test_the_worker_beat_runs_due_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from congdanso.core import worker

    runs: list[int] = []
    stop = threading.Event()

    def once() -> None:
        runs.append(1)
        stop.set()

    periodic.register("test.beat", 60, once)
    worker.heartbeat_loop("test-worker", "database", stop)
    assert runs == [1]
