"""Settings for the reports bench server: the project as it is, plus

- ``/bench/baseline?id=N``: one indexed read (primary key, two columns) through the same stack — the yardstick;
- a middleware that reports the server-side time of every request in ``X-Server-Ms``.

Used only by ``bench/reports_bench.py`` (DJANGO_SETTINGS_MODULE=bench._reports_site).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from congdanso.settings import *  # noqa: F403
from congdanso.settings import MIDDLEWARE as _MIDDLEWARE

ROOT_URLCONF = "bench._reports_urls"
if os.environ.get("BENCH_SMTP_PORT"):  # e-mail to a local SMTP sink (bench/intake_bench.py, BENCH_INTAKE_SMTP=1)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = "127.0.0.1", int(os.environ["BENCH_SMTP_PORT"])
MIDDLEWARE = ["bench._reports_site.server_time", *_MIDDLEWARE]


def server_time(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = get_response(request)
        response["X-Server-Ms"] = f"{(time.perf_counter() - started) * 1000:.3f}"
        return response

    return middleware
