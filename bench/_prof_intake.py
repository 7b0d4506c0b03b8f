"""The worker's share of one submitted report, in-process: CPU and SQL statements per report, by outbox topic.

Files ``PROF_N`` reports (default 200) through ``submit_report`` with the task backend set to ``dummy`` (nothing
runs them), then runs the due outbox rows in this process as the worker's tasks would (``run_outbox_batch`` with
the rows each commit hinted, repeated until none is due), timing each topic. The task backend's own cost (RQ,
database queue) is not in these figures; ``bench/intake_bench.py`` measures the whole.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cds_bench_intake .venv/bin/python -m bench._prof_intake

It needs a migrated database with the reference data and staff (``bench/intake_bench.py`` leaves one).
``PROF_PROFILE=1`` prints the top of a cProfile of the worker part.
"""

from __future__ import annotations

import json
import os
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
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from congdanso.accounts.models import User
    from congdanso.agencies.models import Category
    from congdanso.core import outbox
    from congdanso.core.models import OutboxMessage, OutboxStatus
    from congdanso.reports import services
    from congdanso.reports.services import ReportInput

    n = int(os.environ.get("PROF_N", "200"))
    resident = User.objects.filter(username__startswith="bench-resident-").first()
    categories = list(Category.objects.filter(is_active=True)[:20])
    OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.CLAIMED]).update(
        status=OutboxStatus.DONE)
    started = time.process_time()
    for i in range(n):
        services.submit_report(ReportInput(category=categories[i % len(categories)].code,
                                           description=f"Prof {i} {time.time()}", lat=10.776, lon=106.700),
                               actor=resident)
    request_cpu = time.process_time() - started

    per_topic: dict[str, float] = defaultdict(float)
    statements: dict[str, int] = defaultdict(int)
    profiler = None
    if os.environ.get("PROF_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    batched = hasattr(outbox, "run_batch")
    total_cpu = 0.0
    total_statements = 0
    rounds = 0
    from django.utils import timezone

    while True:
        due = list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=timezone.now())
                   .order_by("pk").values_list("pk", "topic"))
        if not due:
            break
        rounds += 1
        for pk, topic in due:  # one task per hinted row, as each commit hints its rows
            with CaptureQueriesContext(connection) as queries:
                t = time.process_time()
                outbox.run_batch([pk]) if batched else outbox.run_message(pk)
                spent = time.process_time() - t
            per_topic[topic] += spent
            statements[topic] += len(queries)
            total_cpu += spent
            total_statements += len(queries)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    return {"reports": n, "request_cpu_ms_per_report": round(request_cpu / n * 1000, 2),
            "worker_cpu_ms_per_report": round(total_cpu / n * 1000, 2),
            "worker_statements_per_report": round(total_statements / n, 1),
            "by_topic_cpu_ms_per_report": {k: round(v / n * 1000, 3) for k, v in per_topic.items()},
            "by_topic_statements_per_report": {k: round(v / n, 2) for k, v in statements.items()},
            "rounds": rounds}


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
