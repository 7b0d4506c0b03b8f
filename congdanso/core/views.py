"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from congdanso.core.worker import fresh_workers


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, object]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if settings.TASKS_BACKEND in ("db", "rq"):
        try:
            workers = fresh_workers() if checks["database"]["ok"] else 0
        except DatabaseError:
            workers = 0
        checks["worker"] = {"ok": workers > 0, "fresh_workers": workers, "backend": settings.TASKS_BACKEND,
                            "max_age_seconds": settings.WORKER_STALE_SECONDS}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status=200 if ready else 503)
