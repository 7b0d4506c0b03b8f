"""Run the background worker for the configured task backend, with a heartbeat and the outbox sweeper.

``manage.py run_worker`` runs until stopped (Ctrl-C); ``--burst`` sweeps once, runs what is queued and exits.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from congdanso.core import outbox, worker

logger = logging.getLogger(__name__)


def _rq_verbosity() -> int:
    level = logging.getLogger("rq.worker").getEffectiveLevel()
    return 2 if level <= logging.DEBUG else 1 if level <= logging.INFO else 0


class Command(BaseCommand):
    help = "Run the background worker (database queue or RQ on Redis) with heartbeat and outbox sweeper."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="Run what is queued now, then exit.")

    def handle(self, *args: Any, burst: bool = False, **options: Any) -> None:
        backend = settings.TASKS_BACKEND
        # Everything loaded so far (Django, apps, libraries) lives as long as the process: keep it out of the
        # cyclic collector's way, so collections during a big fan-out only walk what the tasks allocate.
        gc.freeze()
        worker_id = outbox.worker_name()
        stop = threading.Event()
        threads: list[threading.Thread] = []
        if burst:
            outbox.sweep()
            # A commit's task on the database queue is due OUTBOX_GATHER_MS after the commit: count it as queued now.
            time.sleep(settings.OUTBOX_GATHER_MS / 1000 if backend == "db" else 0)
        else:
            threads.append(threading.Thread(target=worker.heartbeat_loop, args=(worker_id, backend, stop),
                                            daemon=True, name="heartbeat"))
            for thread in threads:
                thread.start()
        try:
            if backend == "db":
                db_worker = worker.DatabaseQueueWorker(
                    queue_names=["default"], interval=0.5, batch=burst, backend_name="default",
                    startup_delay=not burst, max_tasks=None, worker_id=worker_id[:64], excluded_queue_names=[])
                db_worker.configure_signals()
                db_worker.run()
            elif backend == "rq":
                # RQWorker is RQ's SimpleWorker (jobs run in this process instead of a forked "work horse": a fork
                # taken while the heartbeat thread is inside SQLite/libpq or holds a lock leaves the child blocked
                # for good) with connection hygiene and retries around each job (core/worker.py).
                # rqworker sets the level of RQ's loggers from its verbosity (INFO by default: four lines per job);
                # keep the level the settings give them (TASK_LOG_LEVEL, WARNING by default).
                call_command("rqworker", "default", job_class="django_tasks_rq.Job", burst=burst,
                             with_scheduler=not burst, worker_class="congdanso.core.worker.RQWorker",
                             verbosity=_rq_verbosity())
            else:
                self.stdout.write(f"TASKS_BACKEND={backend!r} runs tasks in the web process; nothing to do.")
        except KeyboardInterrupt:
            # Ctrl-C before the queue worker installed its own signal handlers: a clean stop all the same.
            logger.info("worker %s interrupted", worker_id)
        finally:
            stop.set()
            # A beat in flight must land before the row is removed, or it would bring the row back.
            for thread in threads:
                thread.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 5)
            worker.forget(worker_id)
