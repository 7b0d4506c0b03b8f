"""Turns an outage of the database or Redis during a view into a 503 (see core/outage.py). Outages raised in
other middleware (a session read from Redis, say) reach Django's 500 handler, which asks core/outage.py too."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from congdanso.core import outage

logger = logging.getLogger(__name__)


class OutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not outage.is_outage(exception):
            return None
        logger.error("%s unreachable on %s %s: %s: %s", outage.service_of(exception), request.method,
                     request.path, type(exception).__name__, exception)
        return outage.unavailable(request)
