"""Outages of the services every request needs (the database, Redis): recognised in one place and answered
with 503 + Retry-After, as JSON in the API's error shape for machines and as a short page for people."""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Connection-level failures only: a refused or dropped connection, a timeout. Programming errors (a bad query, a
# constraint) stay 500s, as they are bugs and not outages.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError,
)
MACHINE_PREFIXES = ("/api/", "/open311/")


def is_outage(exc: BaseException | None) -> bool:
    """True when ``exc`` (or an exception it was raised from) says a required service is unreachable."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def service_of(exc: BaseException) -> str:
    return "redis" if isinstance(exc, (RedisConnectionError, RedisTimeoutError)) else "database"


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON ``{code, message}`` under the API and Open311 prefixes, a page elsewhere. Renders
    without the database, the session or the user (they may be what is down)."""
    message = _("Hệ thống tạm thời gián đoạn. Vui lòng thử lại sau ít phút.")
    response: HttpResponse
    if request.path.startswith(MACHINE_PREFIXES):
        response = JsonResponse({"code": "service_unavailable", "message": message}, status=503,
                                json_dumps_params={"ensure_ascii": False})
    else:
        body = render_to_string("core/unavailable.html", {"title": _("Tạm thời gián đoạn"), "message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
