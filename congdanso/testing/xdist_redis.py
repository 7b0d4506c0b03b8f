"""Give each pytest-xdist worker its own Redis database, so parallel tests never share a cache or a queue.

Tests clear the cache (Redis FLUSHDB) and count rate limits in it; two workers on one database would see each
other's keys. With ``REDIS_URL`` set and ``TEST_REDIS_DBS`` naming one database per worker (``1,2``), worker
``gwN`` uses the N-th; without ``TEST_REDIS_DBS`` a parallel run with Redis stops with a clear message.
Loaded with ``-p`` (pyproject's pytest ``addopts``) so the variable is rewritten before Django reads its settings.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def worker_redis_url(url: str, worker: str, dbs: str) -> str:
    """``url`` pointed at the database of ``worker`` (``gw0``, ``gw1``…) from the comma-separated ``dbs``."""
    choices = [part.strip() for part in dbs.split(",") if part.strip()]
    index = int(worker.removeprefix("gw"))
    if index >= len(choices):
        raise RuntimeError(f"TEST_REDIS_DBS={dbs!r} names {len(choices)} Redis databases; worker {worker} needs one")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{int(choices[index])}"))


def _configure() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("REDIS_URL")
    if not worker or not url:
        return
    dbs = os.environ.get("TEST_REDIS_DBS", "")
    if not dbs:
        if os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") == "1":
            return
        raise RuntimeError("parallel tests with REDIS_URL need TEST_REDIS_DBS (one Redis database per worker, "
                           "e.g. TEST_REDIS_DBS=1,2), or run them with -n 0")
    os.environ["REDIS_URL"] = worker_redis_url(url, worker, dbs)


_configure()
