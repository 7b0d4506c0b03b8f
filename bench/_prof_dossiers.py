"""In-process cost of the dossiers bench's requests (no HTTP server): wall and CPU time per request, the queries of one
request, an optional cProfile. Runs against the database the dossiers bench seeded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cds_bench_dossiers \
        .venv/bin/python -m bench._prof_dossiers [baseline|lookup|lookup_api|push] [--profile]

``push`` moves accepted dossiers to processing (as the bench does). Not a bench module (leading underscore):
``python -m bench`` does not run it.
"""

from __future__ import annotations

import cProfile
import hashlib
import json
import os
import pstats
import random
import secrets
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench._dossiers_site")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "bench-field-key-" + "x" * 20)
os.environ.setdefault("DOSSIER_LOOKUPS_PER_CLIENT", "1000000000")  # counted, as in production, out of reach
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

N = int(os.environ.get("PROF_N", "300"))


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a local process (its /proc entry), 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> None:
    from congdanso.dossiers.models import Dossier, IntegrationSystem

    name = argv[0] if argv else "lookup"
    rng = random.Random(5 if name != "push" else None)  # push: fresh dossiers on every run
    top = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    client = Client()
    headers: dict[str, str] = {}
    if name == "push":
        system = IntegrationSystem.objects.get(name="bench-push")
        key = "cdsd_" + secrets.token_urlsafe(32)
        IntegrationSystem.objects.filter(pk=system.pk).update(key_prefix=key[:12],
                                                              key_hash=hashlib.sha256(key.encode()).hexdigest())
        headers = {"Authorization": f"Bearer {key}"}
        codes = list(Dossier.objects.filter(status="accepted", pk__in=[rng.randint(1, top) for _ in range(20 * N)],
                                            system=system).values_list("code", flat=True))
    else:
        codes = list(Dossier.objects.filter(pk__in=[rng.randint(1, top) for _ in range(2 * N)])
                     .values_list("code", flat=True))
    codes = iter(codes * (1 if name == "push" else 3))

    def one() -> int:
        if name == "baseline":
            return client.get(f"/bench/baseline?id={rng.randint(1, top)}").status_code
        if name == "lookup":
            return client.get(f"/ho-so/tra-cuu?ma={next(codes)}").status_code
        if name == "lookup_api":
            return client.get(f"/api/v1/dossiers/lookup?code={next(codes)}").status_code
        body = json.dumps({"event_id": uuid.uuid4().hex, "status": 4, "message": "Đang thẩm định hồ sơ"})
        return client.post(f"/api/v1/dossiers/{next(codes)}/events", body, content_type="application/json",
                           headers=headers).status_code

    for _ in range(20):  # warm-up
        one()
    with CaptureQueriesContext(connection) as queries:
        status = one()
    print(f"{name}: status {status}, {len(queries)} queries", file=sys.stderr)
    for q in queries.captured_queries:
        print("  ", q["sql"][:160], file=sys.stderr)
    with connection.cursor() as cursor:  # the database's own CPU for these requests (same machine)
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0")
        backend = cursor.fetchone()[0]
    db_cpu = _cpu_of(backend)
    timer = time.process_time if os.environ.get("PROF_CPU") else time.perf_counter  # CPU or wall time
    profile = cProfile.Profile(timer) if "--profile" in argv else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    for _ in range(N):
        one()
    if profile:
        profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db_cpu = _cpu_of(backend) - db_cpu
    print(f"{name}: {N} requests, {wall / N * 1000:.2f} ms wall, {cpu / N * 1000:.2f} ms CPU per request"
          + (f", database {db_cpu / N * 1000:.2f} ms CPU" if backend else ""), file=sys.stderr)
    if profile:
        stats = pstats.Stats(profile).sort_stats(os.environ.get("PROF_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("PROF_TOP", "40")))


if __name__ == "__main__":
    main(sys.argv[1:])
