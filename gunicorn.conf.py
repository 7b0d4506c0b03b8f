"""gunicorn settings of the web server (``make run``, the browser tests and the benches use this file).

Several single-threaded worker processes per CPU, each taking the next connection from the shared listening socket
when it is free (gunicorn's ``sync`` worker: one request per connection). The application is CPU-bound Python:

- threads in one process take turns on the GIL, and a request waiting for it waits behind every busy sibling;
- a kept-alive connection stays with the process that accepted it, so a process that drew more connections than
  the others makes them wait while its neighbours idle.

Measured with 32 clients filing reports on 2 vCPUs (bench/reports_bench.py, PostgreSQL), the share of submissions
answered within 150 ms: 2 processes × 4 threads, kept-alive connections: p99 179–241 ms; 8 × 1 kept-alive: 134–257
ms; 8 sync processes: 126–143 ms in four runs, at 0.23–0.27 of the baseline's throughput.

In production, put a buffering reverse proxy (nginx) in front, as for any sync worker: it absorbs slow clients and
keeps connections alive towards them. Requests that wait on the network (a login calling the identity provider)
hold one process for that time, hence several per CPU.

WEB_CONCURRENCY (processes; default 4 per CPU, at most 16) and WEB_THREADS (default 1; more switches to the
threaded worker, which keeps connections alive) override it.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or min(16, 4 * (os.cpu_count() or 1)))
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
keepalive = 30  # threaded worker only
graceful_timeout = 5


def post_worker_init(worker: object) -> None:
    """The application is loaded: keep everything it loaded (Django, apps, libraries) out of the cyclic
    collector's way, so a full collection in the middle of a request walks only what requests allocate."""
    import gc

    gc.freeze()
