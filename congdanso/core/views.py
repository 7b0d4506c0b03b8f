"""Liveness and readiness probes for load balancers and orchestrators.

``/readyz`` checks every service a request or a background task needs: the database, Redis when it is the cache
or the task queue, a worker that beat lately and is not failing every task, and an outbox that is being drained
(its oldest due row is not older than ``OUTBOX_MAX_PENDING_SECONDS``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from redis.exceptions import RedisError

from congdanso.core import worker
from congdanso.core.models import OutboxMessage, OutboxStatus


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}


def _redis() -> dict[str, Any] | None:
    """Ping the Redis the cache uses and the one RQ uses (each once); None when neither is configured."""
    clients: dict[str, Any] = {}
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        clients["cache"] = lambda: cache._cache.get_client(write=True)
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        clients["queue"] = lambda: django_rq.get_connection("default")
    if not clients:
        return None
    result: dict[str, Any] = {"ok": True}
    for role, client in clients.items():
        try:
            client().ping()
            result[role] = "ok"
        except (RedisError, OSError) as exc:
            result["ok"] = False
            result[role] = type(exc).__name__
    return result


def _worker() -> dict[str, Any]:
    try:
        beats = worker.fresh_heartbeats()
    except DatabaseError:
        beats = []
    failing = [beat for beat in beats if worker.is_failing(beat)]
    check: dict[str, Any] = {
        "ok": len(beats) > len(failing), "fresh_workers": len(beats), "backend": settings.TASKS_BACKEND,
        "max_age_seconds": settings.WORKER_STALE_SECONDS,
    }
    if failing:
        check["failing_workers"] = [
            {"worker_id": beat["worker_id"], "recent_tasks": beat["recent_tasks"],
             "recent_failures": beat["recent_failures"], "last_error": beat["last_error"]}
            for beat in failing
        ]
    return check


def _outbox() -> dict[str, Any]:
    now = timezone.now()
    try:
        oldest = (OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=now)
                  .order_by("available_at").values_list("available_at", flat=True).first())
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    age = max(0, int((now - oldest).total_seconds())) if oldest else 0
    return {"ok": age <= settings.OUTBOX_MAX_PENDING_SECONDS, "oldest_pending_seconds": age,
            "max_pending_seconds": settings.OUTBOX_MAX_PENDING_SECONDS}


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, Any]] = {"database": _database()}
    redis_check = _redis()
    if redis_check is not None:
        checks["redis"] = redis_check
    if settings.TASKS_BACKEND in ("db", "rq"):
        if checks["database"]["ok"]:
            checks["worker"] = _worker()
            checks["outbox"] = _outbox()
        else:
            checks["worker"] = {"ok": False, "fresh_workers": 0, "backend": settings.TASKS_BACKEND,
                                "max_age_seconds": settings.WORKER_STALE_SECONDS}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status=200 if ready else 503)
