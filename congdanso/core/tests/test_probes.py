"""/healthz and /readyz: liveness, and readiness that includes a live background worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from congdanso.core import worker
from congdanso.core.models import WorkerHeartbeat


def test_healthz_answers_ok_without_touching_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(TASKS_BACKEND="db")
def test_readyz_is_503_without_a_worker_heartbeat(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "fresh_workers": 0, "backend": "db", "max_age_seconds": 30}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["db", "rq"])
def test_readyz_is_200_after_a_worker_beat(client: Client, backend: str) -> None:
    with override_settings(TASKS_BACKEND=backend):
        worker.beat("host-a:123", backend)
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["worker"]["fresh_workers"] == 1
    assert body["checks"]["database"]["vendor"] in ("sqlite", "postgresql")


@pytest.mark.django_db
@override_settings(TASKS_BACKEND="db", WORKER_STALE_SECONDS=30)
def test_readyz_is_503_when_the_only_heartbeat_is_stale(client: Client) -> None:
    worker.beat("host-a:123", "db")
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - timedelta(seconds=31))
    assert client.get("/readyz").status_code == 503
    # A new beat from the same worker updates its row rather than adding one, and makes it ready again.
    worker.beat("host-a:123", "db")
    assert WorkerHeartbeat.objects.count() == 1
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
@override_settings(TASKS_BACKEND="db")
def test_forgotten_worker_makes_readyz_fail(client: Client) -> None:
    worker.beat("host-a:123", "db")
    worker.beat("host-b:456", "db")
    assert client.get("/readyz").json()["checks"]["worker"]["fresh_workers"] == 2
    worker.forget("host-a:123")
    worker.forget("host-b:456")
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["immediate", "dummy"])
def test_readyz_does_not_check_workers_when_tasks_run_in_process(client: Client, backend: str) -> None:
    with override_settings(TASKS_BACKEND=backend):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) - {"redis"} == {"database"}  # redis: when REDIS_URL is set


DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused at once


@pytest.mark.django_db
def test_readyz_is_503_when_the_redis_cache_is_unreachable(client: Client) -> None:
    """Every signed-in request reads its session through the Redis cache: readiness must fail with it."""
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    worker.beat("host-a:123", "db")
    with override_settings(CACHES=caches, TASKS_BACKEND="db"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"] == {"ok": False, "cache": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True and body["checks"]["worker"]["ok"] is True


@pytest.mark.django_db
def test_readyz_checks_a_reachable_redis_cache(client: Client) -> None:
    from congdanso.core.tests.test_outbox_worker import REDIS_TEST_URL, redis_or_skip

    redis_or_skip()
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL}}
    worker.beat("host-a:123", "db")
    with override_settings(CACHES=caches, TASKS_BACKEND="db"):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": True, "cache": "ok"}
