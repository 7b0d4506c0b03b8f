"""gunicorn settings of the web server (``make run``, the browser tests and the benches use this file).

Worker processes, one thread each by default. The application is CPU-bound Python: threads in one process take
turns on the GIL, and a request waiting for it waits behind every busy sibling. Measured with 32 clients filing
reports on 2 vCPUs (bench/reports_bench.py, PostgreSQL, same machine and run as the baseline): 2 processes × 4
threads answered 99 % of submissions within 179–241 ms; 8 processes × 1 thread within 134–142 ms, at 0.25 of the
baseline's throughput instead of 0.21 (8 × 2 threads: 256 ms). Requests that wait on the network (a login calling
the identity provider) hold one process for that time, so there are several per CPU.

WEB_CONCURRENCY (processes; default 4 per CPU, at most 16) and WEB_THREADS (default 1) override it.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or min(16, 4 * (os.cpu_count() or 1)))
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_class = "gthread"  # keeps connections alive between requests, even with one thread
keepalive = 30
graceful_timeout = 5
