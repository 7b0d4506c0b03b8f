"""Worker liveness: a heartbeat row per worker process, and the periodic outbox sweep that rides along."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from congdanso.core import outbox
from congdanso.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def beat(worker_id: str, backend: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "backend": backend,
                  "last_seen": timezone.now()},
    )


def forget(worker_id: str) -> None:
    try:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    except Exception:
        logger.debug("could not remove heartbeat of %s", worker_id, exc_info=True)


def heartbeat_loop(worker_id: str, backend: str, stop: threading.Event) -> None:
    next_sweep = 0.0
    while not stop.is_set():
        try:
            close_old_connections()
            beat(worker_id, backend)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + settings.OUTBOX_SWEEP_SECONDS
                result = outbox.sweep()
                if any(result.values()):
                    logger.info("outbox sweep: %s", result)
        except Exception:
            logger.exception("heartbeat/sweep failed; retrying")
        finally:
            connection.close()
        stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


def fresh_workers() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).count()
