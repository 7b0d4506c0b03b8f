"""Incident reports at city scale: 1,000,000 reports seeded across Ho Chi Minh City, then, on one WSGI server
(gunicorn, DEBUG off), in the same run:

- baseline: ``/bench/baseline`` — one indexed row read through the same stack;
- public bbox list (``/api/v1/reports?bbox=…``) and map (``/api/v1/reports/map``) at city zoom and street zoom:
  server-side p50/p99 (``X-Server-Ms`` header) and throughput as a share of the baseline's;
- Open311 (``requests.json`` with its default 90-day window, the same with a street bbox, one request by id) beside
  the JSON API's list, bbox list (both with ``start_date`` 90 days back) and detail with the same page size, in
  alternating rounds: throughput as a share of the API's;
- report creation (``POST /api/v1/reports``, no photo) by 32 concurrent residents: throughput vs baseline, p99.

Targets (issue 3): list/map p50 ≤ 20 ms, p99 ≤ 60 ms server-side, throughput ≥ 50 % of baseline; creation on
PostgreSQL ≥ 20 % of baseline throughput with p99 ≤ 150 ms at 32 clients; (issue 10) each Open311 read ≥ 90 % of
the API's throughput.

Environment: BENCH_REPORTS_N (default 1000000), BENCH_REPORTS_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cds_bench_reports; ``sqlite`` for SQLite in a temporary DATA_DIR),
BENCH_REPORTS_SECONDS per scenario (default 8; creation runs it in BENCH_REPORTS_CREATE_ROUNDS rounds, default 3,
each half baseline, half creation), BENCH_REPORTS_ONLY (e.g. ``create``: skip the other reads while iterating),
BENCH_REPORTS_RESEED=1 to seed again,
BENCH_REPORTS_PAGE_SIZE (Open311 beside the API, default 100), BENCH_REPORTS_OPEN311_ROUNDS (default 3),
BENCH_REPORTS_WORKERS and
BENCH_REPORTS_THREADS (gunicorn processes and threads; default: as gunicorn.conf.py sets them),
BENCH_REPORTS_REDIS_URL (task hints through RQ
when reachable, default redis://127.0.0.1:6379/14; empty: database queue). The seeded database is kept and reused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_REPORTS_N", "1000000"))
SECONDS = float(os.environ.get("BENCH_REPORTS_SECONDS", "8"))
DB_URL = os.environ.get("BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cds_bench_reports")
WORKERS = os.environ.get("BENCH_REPORTS_WORKERS", "")  # "": as gunicorn.conf.py decides
THREADS = os.environ.get("BENCH_REPORTS_THREADS", "")
REDIS_URL = os.environ.get("BENCH_REPORTS_REDIS_URL", "redis://127.0.0.1:6379/14")  # "" for the database queue
CREATE_ROUNDS = int(os.environ.get("BENCH_REPORTS_CREATE_ROUNDS", "3"))
O311_ROUNDS = int(os.environ.get("BENCH_REPORTS_OPEN311_ROUNDS", "3"))
ONLY = {s for s in os.environ.get("BENCH_REPORTS_ONLY", "").split(",") if s}  # e.g. "create" while iterating
CITY = (106.55, 10.65, 106.85, 10.92)  # the dense core where most reports are; the city box is wider
CENTRES = [(10.776, 106.700), (10.800, 106.650), (10.850, 106.770), (10.740, 106.620), (10.980, 106.650),
           (10.350, 107.080), (10.870, 106.600)]
STREET_BOX = 0.003  # ~330 m across: street zoom


class _SkipCreate(Exception):
    """BENCH_REPORTS_ONLY without ``create``: stop after the reads."""


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TASKS_BACKEND", "DATABASE_URL"}}
    env.update(DATA_DIR=str(data_dir), DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40),
               FIELD_ENCRYPTION_KEYS="bench-field-key-" + "x" * 20,
               # Rate limits are counted, as in production, with limits out of the bench's reach.
               REPORTS_RATE_PER_USER_HOUR="1000000000", REPORTS_RATE_PER_IP_HOUR="1000000000",
               REPORTS_MAP_REFRESH_SECONDS="0",
               DJANGO_SETTINGS_MODULE="bench._reports_site", AXES_ENABLED="0", PYTHONUNBUFFERED="1")
    if DB_URL != "sqlite":
        env["DATABASE_URL"] = DB_URL
        env["DB_CONN_MAX_AGE"] = "600"
    # As deployed at scale (DESIGN.md): Redis carries the task hints when it is there; else the database queue.
    if REDIS_URL and _reachable(REDIS_URL):
        env["REDIS_URL"] = REDIS_URL
    else:
        env["TASKS_BACKEND"] = "db"
    return env


def _reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                          capture_output=True).stdout


def ensure_database() -> None:
    if DB_URL == "sqlite":
        return
    import psycopg

    base, name = DB_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- seeding ------------------------------------------------------------------------------------------------------

SEED_SCRIPT = r"""
import json, os, random, sys, time, uuid
import django
django.setup()
from django.db import connection
from django.utils import timezone
from congdanso.agencies.models import Category, Unit
from congdanso.reports.models import Report
from congdanso.reports.queries import refresh_map_cells
from congdanso.lib.geo import cell_of

n = int(sys.argv[1]); reseed = sys.argv[2] == "1"
have = Report.objects.count()
if have >= n and not reseed:
    t = time.time(); cells = refresh_map_cells()
    print(json.dumps({"seeded": 0, "existing": have, "map_cells": cells,
                      "map_refresh_seconds": round(time.time() - t, 2)})); sys.exit(0)
if have:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE reports_report, reports_reportevent, reports_reportphoto, reports_follow, "
                        "reports_identitygrant, reports_mapcell")
        else:
            for table in ("reports_reportevent", "reports_reportphoto", "reports_follow", "reports_identitygrant",
                          "reports_mapcell", "reports_report"):
                cur.execute(f"DELETE FROM {table}")
centres = json.loads(sys.argv[3])
cats = list(Category.objects.values_list("pk", "default_agency_id"))
units = list(Unit.objects.values_list("pk", flat=True))
statuses = ["submitted"] * 10 + ["received"] * 10 + ["in_progress"] * 15 + ["resolved"] * 10 + ["closed"] * 50 + \
    ["rejected"] * 5
rng = random.Random(42)
now = timezone.now()
start = time.time()
vendor = connection.vendor
cols = ["id", "uuid", "code", "category_id", "status", "priority", "description", "attributes", "lat", "lon", "cell",
        "address", "ward_id", "ward_source", "agency_id", "identity_hidden", "contact_name", "contact_phone",
        "contact_email", "channel", "source_label", "request_hash", "forward_due_at", "forwarded_at",
        "resolve_due_at", "transfer_count", "reopen_count", "flagged", "follower_count", "me_too_count",
        "is_hidden", "hidden_reason", "created_at", "updated_at", "resolution_note", "reject_reason"]
def rows(first, last):
    for i in range(first, last):
        if rng.random() < 0.85:
            clat, clon = rng.choice(centres)
            lat, lon = rng.gauss(clat, 0.03), rng.gauss(clon, 0.03)
        else:
            lat, lon = rng.uniform(10.4, 11.2), rng.uniform(106.4, 107.2)
        lat, lon = round(lat, 6), round(lon, 6)
        cat, agency = rng.choice(cats)
        created = now - timezone.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        yield (i, str(uuid.UUID(int=rng.getrandbits(128))), f"PA-{created.year}-{i:06d}", cat, rng.choice(statuses),
               "normal", "Phản ánh mẫu số %d: ổ gà, đèn tắt, rác, ngập" % i, "{}", lat, lon, cell_of(lat, lon),
               "", rng.choice(units), "chosen", agency, False, "", "", "", "app", "", "", created, created,
               created + timezone.timedelta(days=7), 0, 0, False, 0, rng.randint(0, 3), False, "", created,
               created + timezone.timedelta(hours=rng.randint(0, 200)), "", "")
batch = 20000
with connection.cursor() as cur:
    raw = cur.cursor if hasattr(cur, "cursor") else cur
    for first in range(1, n + 1, batch):
        last = min(n + 1, first + batch)
        if vendor == "postgresql":
            with raw.copy(f"COPY reports_report ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows(first, last):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            cur.executemany(f"INSERT INTO reports_report ({', '.join(cols)}) VALUES ({marks})", list(rows(first, last)))
        connection.commit() if not connection.get_autocommit() else None
        if first % 200000 == 1:
            print(f"seeded {last - 1}", file=sys.stderr, flush=True)
    if vendor == "postgresql":
        cur.execute("SELECT setval(pg_get_serial_sequence('reports_report', 'id'), %s)", [n])
        cur.execute("ANALYZE reports_report")
    else:
        cur.execute("ANALYZE")
seconds = time.time() - start
t = time.time(); cells = refresh_map_cells(); map_seconds = time.time() - t
print(json.dumps({"seeded": n, "seconds": round(seconds, 1), "rows_per_second": round(n / seconds),
                  "map_cells": cells, "map_refresh_seconds": round(map_seconds, 2)}))
"""

USERS_SCRIPT = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from congdanso.accounts.models import User
out = []
for i in range(int(sys.argv[1])):
    user, _c = User.objects.get_or_create(username=f"bench-resident-{i}", defaults={"kind": "citizen",
                                          "full_name": f"Cư dân {i}"})
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "congdanso.accounts.backends.AccountBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    out.append(s.session_key)
print(json.dumps(out))
"""


# --- load ---------------------------------------------------------------------------------------------------------

def drive(run):  # type: ignore[no-untyped-def]
    """Run the load client on libuv's event loop: it shares this machine's CPUs with the server it measures, and
    the less it takes from them the less it disturbs the measurement (same client for baseline and scenarios)."""
    import uvloop

    return uvloop.run(run)


async def load(base: str, make, concurrency: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    import aiohttp

    server_ms: list[float] = []
    client_ms: list[float] = []
    errors: dict[str, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url=base, connector=connector, timeout=timeout,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds

        async def worker(index: int) -> None:
            while loop.time() < deadline:
                method, url, kwargs = make(index)
                started = time.perf_counter()
                try:
                    async with session.request(method, url, **kwargs) as response:
                        await response.read()
                        elapsed = (time.perf_counter() - started) * 1000
                        if response.status >= 400:
                            errors[str(response.status)] = errors.get(str(response.status), 0) + 1
                            continue
                        client_ms.append(elapsed)
                        server_ms.append(float(response.headers.get("X-Server-Ms", "nan")))
                except Exception as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

        began = loop.time()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        took = loop.time() - began

    return summarize([(server_ms, client_ms, errors, took)])


def summarize(parts: list[tuple[list[float], list[float], dict[str, int], float]]) -> dict:
    """Throughput and percentiles of one load run, or of several runs taken together."""
    server_ms = [v for part in parts for v in part[0]]
    client_ms = [v for part in parts for v in part[1]]
    errors: dict[str, int] = {}
    for part in parts:
        for key, count in part[2].items():
            errors[key] = errors.get(key, 0) + count
    took = sum(part[3] for part in parts) or 1.0

    def pct(values: list[float], p: float) -> float | None:
        if not values:
            return None
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)

    return {"requests": len(client_ms), "rps": round(len(client_ms) / took, 1), "errors": errors,
            "server_p50_ms": pct(server_ms, 50), "server_p99_ms": pct(server_ms, 99),
            "client_p50_ms": pct(client_ms, 50), "client_p99_ms": pct(client_ms, 99),
            "server_mean_ms": round(statistics.fmean(server_ms), 2) if server_ms else None,
            "_parts": parts}


def wait_until_up(base: str, seconds: float = 60) -> None:
    """Wait for the server's /healthz (started in the background) to answer."""
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)


def main() -> dict:
    data_dir = Path(os.environ.get("BENCH_REPORTS_DATA_DIR") or tempfile.mkdtemp(prefix="bench-reports-"))
    env = environment(data_dir)
    ensure_database()
    log(f"database {DB_URL}: migrate, reference data")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_reference")
    log(f"seeding {N} reports (skipped if already there)")
    seed = subprocess.run([sys.executable, "-c", SEED_SCRIPT, str(N), os.environ.get("BENCH_REPORTS_RESEED", "0"),
                           json.dumps(CENTRES)], cwd=ROOT, env=env, check=True, text=True, capture_output=True)
    seeding = json.loads(seed.stdout.strip().splitlines()[-1])
    log("seeding:", seeding)
    concurrency_create = 32
    sessions = json.loads(subprocess.run([sys.executable, "-c", USERS_SCRIPT, str(concurrency_create)], cwd=ROOT,
                                         env=env, check=True, text=True, capture_output=True).stdout)
    categories = json.loads(subprocess.run(
        [sys.executable, "-c", "import django, json; django.setup(); from congdanso.agencies.models import Category;"
         "print(json.dumps(list(Category.objects.values_list('code', flat=True))))"],
        cwd=ROOT, env=env, check=True, text=True, capture_output=True).stdout)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    server_env = env | ({"WEB_CONCURRENCY": WORKERS} if WORKERS else {}) | ({"WEB_THREADS": THREADS} if THREADS else {})
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "congdanso.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048"],
        cwd=ROOT, env=server_env, stdout=log_file, stderr=log_file, start_new_session=True)
    shape = subprocess.run([sys.executable, "-c", "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); "
                            "print(json.dumps([c['workers'], c['threads']]))"],
                           cwd=ROOT, env=server_env, check=True, text=True, capture_output=True).stdout
    processes, threads = json.loads(shape)
    results: dict = {"n_reports": N, "database": "sqlite" if DB_URL == "sqlite" else "postgresql",
                     "server": f"gunicorn {processes} processes x {threads} threads (WSGI, gunicorn.conf.py)",
                     "cpus": os.cpu_count(), "seconds_per_scenario": SECONDS, "seeding": seeding}
    try:
        wait_until_up(base)
        rng = random.Random(7)
        city_box = f"{CITY[0]},{CITY[1]},{CITY[2]},{CITY[3]}"

        def street_box() -> str:
            lat, lon = rng.choice(CENTRES)
            lat, lon = rng.gauss(lat, 0.02), rng.gauss(lon, 0.02)
            return f"{lon:.5f},{lat:.5f},{lon + STREET_BOX:.5f},{lat + STREET_BOX:.5f}"

        reads = {
            "baseline": lambda i: ("GET", f"/bench/baseline?id={rng.randint(1, N)}", {}),
            "list_city": lambda i: ("GET", f"/api/v1/reports?bbox={city_box}&limit=50", {}),
            "list_street": lambda i: ("GET", f"/api/v1/reports?bbox={street_box()}&limit=50", {}),
            "map_city": lambda i: ("GET", f"/api/v1/reports/map?bbox={city_box}&zoom=11", {}),
            "map_street": lambda i: ("GET", f"/api/v1/reports/map?bbox={street_box()}&zoom=16", {}),
        }
        read_concurrency = int(os.environ.get("BENCH_REPORTS_READ_CONCURRENCY", "16"))
        # The machine is shared: each scenario is paired with a baseline run just before it, and compared to it.
        for name, make in reads.items():
            if ONLY and name not in ONLY and name != "baseline":
                continue
            drive(load(base, make, read_concurrency, 1.5))  # warm-up
            if name != "baseline":
                results[f"baseline_before_{name}"] = drive(load(base, reads["baseline"], read_concurrency,
                                                                      SECONDS / 2))
            results[name] = drive(load(base, make, read_concurrency, SECONDS))
            log(name, public(results[name]))
        # Open311 beside the JSON API: the same page size and filter, alternated in short rounds so that the
        # shared machine's drift weighs on both sides of each ratio.
        codes = json.loads(subprocess.run(
            [sys.executable, "-c", "import django, json; django.setup(); from congdanso.reports.models import Report;"
             "print(json.dumps(list(Report.objects.filter(is_hidden=False).order_by('-id')"
             ".values_list('code', flat=True)[:2000])))"],
            cwd=ROOT, env=env, check=True, text=True, capture_output=True).stdout)
        page_size = int(os.environ.get("BENCH_REPORTS_PAGE_SIZE", "100"))

        def window() -> str:  # Open311's default filter: filed in the last 90 days
            return (dt.datetime.now(dt.UTC) - dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")

        pairs = {
            "o311_list": (lambda i: ("GET", f"/api/v1/reports?start_date={window()}&limit={page_size}", {}),
                          lambda i: ("GET", f"/open311/v2/requests.json?page_size={page_size}", {})),
            "o311_bbox": (lambda i: ("GET", f"/api/v1/reports?bbox={street_box()}&start_date={window()}"
                                            f"&limit={page_size}", {}),
                          lambda i: ("GET", f"/open311/v2/requests.json?bbox={street_box()}&page_size={page_size}",
                                     {})),
            "o311_by_id": (lambda i: ("GET", f"/api/v1/reports/{rng.choice(codes)}", {}),
                           lambda i: ("GET", f"/open311/v2/requests/{rng.choice(codes)}.json", {})),
        }
        for name, (api_make, o311_make) in pairs.items():
            if ONLY and name not in ONLY and "o311" not in ONLY:
                continue
            drive(load(base, api_make, read_concurrency, 1.0))  # warm-up
            drive(load(base, o311_make, read_concurrency, 1.0))
            api_parts, o311_parts = [], []
            for _round in range(O311_ROUNDS):
                api_parts += drive(load(base, api_make, read_concurrency, SECONDS / 2))["_parts"]
                o311_parts += drive(load(base, o311_make, read_concurrency, SECONDS / 2))["_parts"]
            results[f"api_for_{name}"] = summarize(api_parts)
            results[name] = summarize(o311_parts)
            results[name]["rounds"] = [
                {"api_rps": summarize([a])["rps"], "open311_rps": summarize([o])["rps"],
                 "ratio": round(summarize([o])["rps"] / (summarize([a])["rps"] or 1), 3)}
                for a, o in zip(api_parts, o311_parts, strict=True)]
            log(name, public(results[name]), "vs api", public(results[f"api_for_{name}"]))
        if ONLY and "create" not in ONLY:
            raise _SkipCreate
        csrf = secrets.token_hex(16)

        def create(i: int) -> tuple[str, str, dict]:
            lat, lon = rng.choice(CENTRES)
            return ("POST", "/api/v1/reports", {
                "data": {"category": rng.choice(categories), "description": f"Bench {uuid.uuid4().hex}",
                         "lat": f"{rng.gauss(lat, 0.01):.6f}", "lon": f"{rng.gauss(lon, 0.01):.6f}"},
                "headers": {"Cookie": f"sessionid={sessions[i]}; csrftoken={csrf}", "X-CSRFToken": csrf,
                            "Idempotency-Key": uuid.uuid4().hex}})

        # Creation alternates with the baseline in short rounds, so a neighbour's burst on this shared machine
        # weighs on both sides of the ratio instead of on one of them.
        drive(load(base, create, concurrency_create, 1.5))  # warm-up
        base_parts, create_parts = [], []
        for _round in range(CREATE_ROUNDS):
            base_parts += drive(load(base, reads["baseline"], concurrency_create, SECONDS / 2))["_parts"]
            create_parts += drive(load(base, create, concurrency_create, SECONDS / 2))["_parts"]
        results["baseline_32"] = summarize(base_parts)
        log("baseline_32", public(results["baseline_32"]))
        results["create_32"] = summarize(create_parts)
        # Each round on its own: the host's speed drifts, and an absolute latency follows it.
        results["create_32"]["rounds"] = [
            {"baseline_rps": summarize([b])["rps"], "create_rps": summarize([c])["rps"],
             "client_p99_ms": summarize([c])["client_p99_ms"], "server_p99_ms": summarize([c])["server_p99_ms"]}
            for b, c in zip(base_parts, create_parts, strict=True)]
        log("create_32", public(results["create_32"]))
    except _SkipCreate:
        pass
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log_file.close()

    summary = {}
    for name in ("list_city", "list_street", "map_city", "map_street"):
        if name not in results:
            continue
        r = results[name]
        base_rps = results[f"baseline_before_{name}"]["rps"] or 1
        summary[name] = {"server_p50_ms": r["server_p50_ms"], "server_p99_ms": r["server_p99_ms"],
                         "throughput_vs_baseline": round(r["rps"] / base_rps, 3),
                         "meets_target": bool(r["server_p50_ms"] is not None and r["server_p50_ms"] <= 20
                                              and r["server_p99_ms"] <= 60 and r["rps"] / base_rps >= 0.5)}
    for name in ("o311_list", "o311_by_id", "o311_bbox"):
        if name not in results:
            continue
        r, api = results[name], results[f"api_for_{name}"]
        ratio = r["rps"] / (api["rps"] or 1)
        summary[name] = {"rps": r["rps"], "api_rps": api["rps"], "throughput_vs_api": round(ratio, 3),
                         "server_p50_ms": r["server_p50_ms"], "api_server_p50_ms": api["server_p50_ms"],
                         "errors": r["errors"], "meets_target": bool(ratio >= 0.9 and not r["errors"]),
                         "rounds": r["rounds"]}
    if "create_32" in results:
        summary["create_32"] = _create_summary(results)
    results = {name: public(r) if isinstance(r, dict) else r for name, r in results.items()}
    results["summary"] = summary
    return results


def _create_summary(results: dict) -> dict:
    c = results["create_32"]
    ratio = c["rps"] / (results["baseline_32"]["rps"] or 1)
    # The p99 read at the client (queueing included, the load client sharing this machine's CPUs) and, as
    # the reads' targets are, server-side.
    return {"rps": c["rps"], "throughput_vs_baseline": round(ratio, 3),
            "server_p99_ms": c["server_p99_ms"], "client_p99_ms": c["client_p99_ms"],
            "meets_target": bool(ratio >= 0.2 and c["client_p99_ms"] is not None and c["client_p99_ms"] <= 150),
            "meets_target_server_side": bool(ratio >= 0.2 and c["server_p99_ms"] is not None
                                             and c["server_p99_ms"] <= 150),
            "rounds": c["rounds"]}


def public(result: dict) -> dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
