"""In-process cost of the hot report endpoints (no HTTP server): wall and CPU time per request, the queries of one
request, an optional cProfile of one of them. Runs against the database the reports bench seeded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cds_bench_reports \
        .venv/bin/python -m bench._prof_reports [list_street|map_street|list_city|map_city|create|baseline] [--profile]

Not a bench module (leading underscore): ``python -m bench`` does not run it.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import subprocess
import sys
import time
import uuid
from urllib.parse import urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench._reports_site")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "bench-field-key-" + "x" * 20)
os.environ.setdefault("REPORTS_RATE_PER_USER_HOUR", "1000000000")  # counted, as in production, out of reach
os.environ.setdefault("REPORTS_RATE_PER_IP_HOUR", "1000000000")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

CENTRES = [(10.776, 106.700), (10.800, 106.650), (10.850, 106.770), (10.740, 106.620), (10.980, 106.650),
           (10.350, 107.080), (10.870, 106.600)]
rng = random.Random(7)


def street_box() -> str:
    lat, lon = rng.choice(CENTRES)
    lat, lon = rng.gauss(lat, 0.02), rng.gauss(lon, 0.02)
    return f"{lon:.5f},{lat:.5f},{lon + 0.003:.5f},{lat + 0.003:.5f}"


def main(argv: list[str]) -> None:
    from congdanso.accounts.models import User
    from congdanso.agencies.models import Category

    name = argv[0] if argv else "list_street"
    profile = "--profile" in argv
    client = Client()
    categories = list(Category.objects.values_list("code", flat=True))
    if name == "create":
        user, _c = User.objects.get_or_create(username="bench-profile-resident",
                                              defaults={"kind": "citizen", "full_name": "Cư dân"})
        client.force_login(user)

    def request() -> object:
        if name == "baseline":
            return client.get(f"/bench/baseline?id={rng.randint(1, 1000000)}")
        if name == "list_city":
            return client.get("/api/v1/reports?bbox=106.55,10.65,106.85,10.92&limit=50")
        if name == "list_street":
            return client.get(f"/api/v1/reports?bbox={street_box()}&limit=50")
        if name == "map_city":
            return client.get("/api/v1/reports/map?bbox=106.55,10.65,106.85,10.92&zoom=11")
        if name == "map_street":
            return client.get(f"/api/v1/reports/map?bbox={street_box()}&zoom=16")
        lat, lon = rng.choice(CENTRES)
        form = urlencode({"category": rng.choice(categories), "description": f"Bench {uuid.uuid4().hex}",
                          "lat": f"{rng.gauss(lat, 0.01):.6f}", "lon": f"{rng.gauss(lon, 0.01):.6f}"})
        # urlencoded, as the bench's HTTP client sends it (the test client's default is multipart)
        return client.post("/api/v1/reports", form, content_type="application/x-www-form-urlencoded",
                           HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)

    for _ in range(30 + 4 * len(categories)):  # warm-up: per-process caches (each category) filled, as under load
        response = request()
        assert response.status_code < 400, (response.status_code, response.content[:500])  # type: ignore[attr-defined]
    n = int(os.environ.get("PROF_N", "300" if name != "create" else "1000"))
    captured: list[str] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        response = request()
    size = len(response.content)  # type: ignore[attr-defined]
    if os.environ.get("PROF_CG"):  # under valgrind --tool=callgrind: count only the measured requests
        subprocess.run(["callgrind_control", "--zero", str(os.getpid())], check=True, capture_output=True)
    started = time.perf_counter()
    cpu = time.process_time()
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time: waits on the database excluded
    if profiler:
        profiler.enable()
    chunks: list[float] = []  # CPU ms per request in tenths of the run: the least disturbed tenth is the steadiest
    for _ in range(10):
        chunk_cpu = time.process_time()
        for _ in range(max(1, n // 10)):
            request()
        chunks.append((time.process_time() - chunk_cpu) / max(1, n // 10) * 1000)
    if profiler:
        profiler.disable()
    if os.environ.get("PROF_CG"):
        subprocess.run(["callgrind_control", "--dump", str(os.getpid())], check=True, capture_output=True)
    n = max(1, n // 10) * 10
    wall = (time.perf_counter() - started) / n * 1000
    cpu_ms = (time.process_time() - cpu) / n * 1000
    print(f"{name}: {wall:.2f} ms wall, {cpu_ms:.2f} ms CPU per request (best tenth {min(chunks):.2f}), "
          f"{len(captured)} queries, {size} bytes")
    for sql in captured:
        print("   ", sql[:170])
    if profiler:
        profiler.dump_stats(f"/tmp/prof_{name}.out")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main(sys.argv[1:])
