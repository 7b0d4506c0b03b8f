"""The worker's share of one submitted report, in-process: CPU and SQL statements per report, by outbox topic.

Files ``PROF_N`` reports (200) through ``submit_report`` with the task backend set to ``dummy`` (nothing runs the
tasks), then runs the outbox as the worker's tasks would, each claiming ``PROF_BATCH`` (8) due rows (a task's share
of a burst) and running them and the rows their handlers commit, until nothing is due. A warm-up of the same kind
comes first (imports, caches). CPU is this process's (``time.process_time``); CPU and statements per topic come
from timing each handler. The task backend's own cost (RQ, database queue) and PostgreSQL's are not in these
figures; ``bench/intake_bench.py`` measures the whole. Under ``valgrind --tool=callgrind`` with ``PROF_CG=1`` only
the worker's part is counted (instructions do not depend on what else the machine runs):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cds_bench_intake .venv/bin/python -m bench._prof_intake
    PROF_CG=1 PROF_N=96 DATABASE_URL=… valgrind --tool=callgrind .venv/bin/python -m bench._prof_intake

It needs a migrated database with the reference data and staff (``bench/intake_bench.py`` leaves one).
``PROF_PROFILE=1`` prints the top of a cProfile of the worker part to stderr (``PROF_SORT``, ``PROF_TOP``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any


def main() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congdanso.settings")
    os.environ["TASKS_BACKEND"] = "dummy"
    os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "bench-field-key-" + "x" * 20)
    os.environ.setdefault("REPORTS_RATE_PER_USER_HOUR", "1000000000")
    os.environ.setdefault("REPORTS_RATE_PER_IP_HOUR", "1000000000")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ.setdefault("REPORTS_MAP_REFRESH_SECONDS", "5")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from congdanso.accounts.models import User
    from congdanso.agencies.models import Category
    from congdanso.core import outbox
    from congdanso.core.models import OutboxMessage, OutboxStatus
    from congdanso.reports import services
    from congdanso.reports.services import ReportInput

    n = int(os.environ.get("PROF_N", "200"))
    group = int(os.environ.get("PROF_BATCH", "8"))
    resident = User.objects.filter(username__startswith="bench-resident-").first()
    categories = list(Category.objects.filter(is_active=True)[:20])
    OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.CLAIMED]).update(
        status=OutboxStatus.DONE)

    spent: dict[str, float] = defaultdict(float)
    statements: dict[str, int] = defaultdict(int)
    timing = {"on": False}

    def timed(topic: str, handler: Any) -> Any:
        def run(arg: Any) -> None:
            if not timing["on"]:
                return handler(arg)
            before = len(connection.queries)
            started = time.process_time()
            try:
                return handler(arg)
            finally:
                spent[topic] += time.process_time() - started
                statements[topic] += len(connection.queries) - before
        return run

    for topic, handler in list(outbox._handlers.items()):
        outbox._handlers[topic] = timed(topic, handler)
    for topic, handler in list(outbox._batch_handlers.items()):
        outbox._batch_handlers[topic] = timed(topic, handler)

    def file_reports(count: int, tag: str) -> float:
        started = time.process_time()
        for i in range(count):
            services.submit_report(ReportInput(category=categories[i % len(categories)].code,
                                               description=f"Prof {tag} {i} {time.time()}", lat=10.776, lon=106.700),
                                   actor=resident)
        return time.process_time() - started

    def due() -> bool:
        return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=timezone.now()).exists()

    def drain(per_task: int) -> int:
        """Tasks as the worker runs them, each claiming ``per_task`` due rows (and running what their handlers
        commit), until nothing is due."""
        tasks = 0
        while due():
            getattr(outbox, "_task_starts", lambda: None)()  # (the tree before issue 19 has none)
            outbox.run_batch([], extra=per_task)
            tasks += 1
        return tasks

    file_reports(3 * group, "warm")  # warm-up: imports, caches, prepared plans
    drain(group)

    request_cpu = file_reports(n, "run")
    profiler = None
    if os.environ.get("PROF_PROFILE"):
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    if os.environ.get("PROF_CG"):  # under valgrind --tool=callgrind: count only the worker's part
        subprocess.run(["callgrind_control", "--zero", str(os.getpid())], check=True, capture_output=True)
    timing["on"] = True
    with CaptureQueriesContext(connection) as queries:
        if profiler is not None:
            profiler.enable()
        started = time.process_time()
        tasks = drain(group)
        worker_cpu = time.process_time() - started
        if profiler is not None:
            profiler.disable()
    if os.environ.get("PROF_CG"):
        subprocess.run(["callgrind_control", "--dump", str(os.getpid())], check=True, capture_output=True)
    worker_statements = len(queries) - (tasks + 1)  # not the bench's own "anything due?" reads
    if profiler is not None:
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats(os.environ.get("PROF_SORT", "cumulative")).print_stats(
            int(os.environ.get("PROF_TOP", "60")))
    handlers_cpu = sum(spent.values())
    return {"reports": n, "reports_per_task": group, "tasks": tasks,
            "request_cpu_ms_per_report": round(request_cpu / n * 1000, 2),
            "worker_cpu_ms_per_report": round(worker_cpu / n * 1000, 2),
            "worker_statements_per_report": round(worker_statements / n, 2),
            "by_topic_cpu_ms_per_report": {k: round(v / n * 1000, 3) for k, v in spent.items()},
            "claims_and_settling_cpu_ms_per_report": round((worker_cpu - handlers_cpu) / n * 1000, 3),
            "by_topic_statements_per_report": {k: round(v / n, 2) for k, v in statements.items()}}


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
