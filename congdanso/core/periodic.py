"""Recurring jobs the worker runs: purges, archiving, feed polls. Each app registers its own in its
``AppConfig.ready()`` (``periodic.register("dossiers.purge_files", 3600, purge)``); the worker's heartbeat thread
calls ``run_due()`` on every beat.

One process runs a job per period: the run is claimed in the shared cache (``cache.add`` of a key that lives for the
period), so ten workers do not purge the same files ten times. A job must still be idempotent and safe beside a
second run (a lost claim, a manual ``manage.py`` run): it claims its own rows (a conditional ``update``, or
``select_for_update(skip_locked=True)``) and is bounded in the work it does per run. A job that fails is logged and
tried again at its next period. Work that is due at one known moment (a notification at a publication time) is an
outbox row with ``available_at`` instead, not a job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: int  # seconds
    run: Callable[[], object]


_jobs: dict[str, Job] = {}
_next_run: dict[str, float] = {}  # this process's own schedule (monotonic clock)


def register(name: str, every: int, run: Callable[[], object]) -> None:
    """Run ``run()`` about every ``every`` seconds in one worker process (registering a name again replaces it)."""
    _jobs[name] = Job(name, max(1, int(every)), run)


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def run_due(now: float | None = None) -> list[str]:
    """Run the jobs whose period has come and that no other process has claimed for this period. Returns the
    names of the jobs run here."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in jobs():
        if now < _next_run.get(job.name, 0.0):
            continue
        _next_run[job.name] = now + job.every
        if not caches["default"].add(f"periodic:{job.name}", 1, job.every):
            continue  # another process runs it this period
        try:
            result = job.run()
        except Exception:
            logger.exception("periodic job %s failed; it runs again in %s s", job.name, job.every)
            continue
        ran.append(job.name)
        if result:
            logger.info("periodic job %s: %s", job.name, result)
    return ran
