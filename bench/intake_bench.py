"""Report intake end to end: what a submitted report costs in the web processes, in the worker and in PostgreSQL,
and how soon the staff hear of it.

For each task backend (RQ on Redis, and the database queue), on PostgreSQL, in one run:

- a gunicorn server (``gunicorn.conf.py``, DEBUG off) and one ``manage.py run_worker`` are started;
- baseline: ``/bench/baseline`` (one indexed read) by 32 clients, to compare the request's cost with;
- burst: 32 residents file reports (``POST /api/v1/reports``, no photo) for ``BENCH_INTAKE_SECONDS`` (15 s), then
  the bench waits until the outbox is drained (no due row pending or claimed) and every staff notification of the
  burst is delivered;
- CPU per report, from ``/proc``: the web processes (gunicorn's tree), the worker (its process tree), and the
  PostgreSQL backends serving each of them (told apart by ``application_name``, set through ``PGAPPNAME``;
  ``pg_stat_statements`` needs a preload this server does not have), sampled every 0.1 s;
- latency: from the report's ``created_at`` to the first ``work_new`` notification row of a staff member, and to
  that notification's first delivery (e-mail, sent), p50/p99;
- catch-up: seconds from the end of the burst until the outbox is drained.

Targets (issue 19): worker CPU per report ≤ 50 % of the request's (web process + its PostgreSQL backends);
submission → staff notification row p99 ≤ 2 s; the worker catches up within a few seconds of the burst's end.

Environment: BENCH_INTAKE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cds_bench_intake),
BENCH_INTAKE_REDIS_URL (default redis://127.0.0.1:6379/12; flushed at start), BENCH_INTAKE_SECONDS (15),
BENCH_INTAKE_BACKENDS (``rq,db``), BENCH_INTAKE_CLIENTS (32), BENCH_INTAKE_DRAIN_TIMEOUT (150 s),
BENCH_INTAKE_WORKER_PROFILE (a folder: the worker runs under cProfile and leaves its profile there),
BENCH_INTAKE_SMTP (1: e-mail goes over SMTP to a sink in a process of its own, aiosmtpd, instead of Django's dummy
backend, which renders and sends nothing).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.reports_bench import CENTRES, drive, ensure_database, free_port, load, log, public, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
DB_URL = os.environ.get("BENCH_INTAKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cds_bench_intake")
REDIS_URL = os.environ.get("BENCH_INTAKE_REDIS_URL", "redis://127.0.0.1:6379/12")
SECONDS = float(os.environ.get("BENCH_INTAKE_SECONDS", "15"))
BACKENDS = [b for b in os.environ.get("BENCH_INTAKE_BACKENDS", "rq,db").split(",") if b]
CLIENTS = int(os.environ.get("BENCH_INTAKE_CLIENTS", "32"))
DRAIN_TIMEOUT = float(os.environ.get("BENCH_INTAKE_DRAIN_TIMEOUT", "150"))
TICK = os.sysconf("SC_CLK_TCK")
STAFF_PER_AGENCY = 3  # two officers and an administrator, each with an e-mail address

SETUP_SCRIPT = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from congdanso.accounts.models import StaffRole, User
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, Category

per_agency = int(sys.argv[2])
for agency in Agency.objects.all():
    for i in range(per_agency):
        user, created = User.objects.get_or_create(
            username=f"bench-staff-{agency.pk}-{i}",
            defaults={"kind": "staff", "full_name": f"Cán bộ {i}", "email": f"staff{i}.{agency.pk}@example.org"})
        role = Role.AGENCY_ADMIN if i == 0 else Role.AGENCY_OFFICER
        StaffRole.objects.get_or_create(user=user, role=role, agency=agency)
for i in range(2):
    user, _c = User.objects.get_or_create(username=f"bench-city-{i}", defaults={
        "kind": "staff", "full_name": f"Thành phố {i}", "email": f"city{i}@example.org"})
    StaffRole.objects.get_or_create(user=user, role=Role.CITY_ADMIN, agency=None)
sessions = []
for i in range(int(sys.argv[1])):
    user, _c = User.objects.get_or_create(username=f"bench-resident-{i}", defaults={"kind": "citizen",
                                          "full_name": f"Cư dân {i}"})
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    sessions.append(s.session_key)
print(json.dumps({"sessions": sessions, "categories": list(Category.objects.filter(is_active=True)
                  .values_list("code", flat=True)), "agencies": Agency.objects.count()}))
"""

PROFILED_WORKER = r"""
import cProfile, runpy, sys, time
out = sys.argv[1]
sys.argv = ["manage.py", "run_worker"]
profiler = cProfile.Profile(time.thread_time)
profiler.enable()
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


# --- processes and their CPU ------------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (all its threads), or 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += tree(child)
    return found


class CpuMeter:
    """CPU of a process tree and of the PostgreSQL backends of each application name, sampled every 0.1 s (a
    backend that exits keeps what it had at its last sample)."""

    def __init__(self, roots: dict[str, int], pg: Any, database: str) -> None:
        self.roots, self.pg, self.database = roots, pg, database
        self.last: dict[tuple[str, int], float] = {}
        self.start: dict[tuple[str, int], float] = {}
        self.backends_seen: dict[str, set[int]] = {}

    def sample(self) -> None:
        for name, root in self.roots.items():
            for pid in tree(root):
                self._record((name, pid), cpu_seconds(pid))
        rows = self.pg.execute("SELECT pid, application_name FROM pg_stat_activity WHERE datname = %s "
                               "AND application_name IN ('cds-web', 'cds-worker')", [self.database]).fetchall()
        for pid, app in rows:
            key = ("pg-" + app.removeprefix("cds-"), pid)
            self.backends_seen.setdefault(key[0], set()).add(pid)
            self._record(key, cpu_seconds(pid))

    def _record(self, key: tuple[str, int], value: float) -> None:
        if key not in self.last and self.start:
            self.start[key] = 0.0  # born during the measurement: all its CPU counts
        self.last[key] = value or self.last.get(key, 0.0)

    def mark(self) -> None:
        self.sample()
        self.start = dict(self.last) or {("", 0): 0.0}
        self.backends_seen = {}

    def used(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for key, value in self.last.items():
            totals[key[0]] = totals.get(key[0], 0.0) + max(0.0, value - self.start.get(key, value))
        return totals


# --- one backend -------------------------------------------------------------------------------------------------

def environment(data_dir: Path, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TASKS_BACKEND", "DATABASE_URL"}}
    env.update(DATA_DIR=str(data_dir), DEBUG="0", SECRET_KEY="bench-intake-" + "k" * 40,
               FIELD_ENCRYPTION_KEYS="bench-field-key-" + "x" * 20, DATABASE_URL=DB_URL, DB_CONN_MAX_AGE="600",
               REPORTS_RATE_PER_USER_HOUR="1000000000", REPORTS_RATE_PER_IP_HOUR="1000000000",
               REPORTS_MAP_REFRESH_SECONDS="5", EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
               DJANGO_SETTINGS_MODULE="bench._reports_site", AXES_ENABLED="0", PYTHONUNBUFFERED="1",
               TASKS_BACKEND=backend, REDIS_URL=REDIS_URL)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                          capture_output=True).stdout


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 3)


def due_backlog(pg: Any) -> int:
    return pg.execute("SELECT count(*) FROM core_outboxmessage WHERE status IN ('pending', 'claimed') "
                      "AND available_at <= now()").fetchone()[0]


def undelivered(pg: Any, marker: str) -> int:
    """Staff notifications of this burst's reports whose deliveries are not all settled yet."""
    return pg.execute(
        "SELECT count(*) FROM notifications_delivery d JOIN notifications_notification n ON n.id = d.notification_id "
        "JOIN reports_report r ON n.object_type = 'reports.report' AND n.object_id = r.id::text "
        "WHERE r.description LIKE %s AND d.status IN ('queued', 'sending')", [marker + "%"]).fetchone()[0]


def run_backend(backend: str, pg: Any, database: str) -> dict[str, Any]:
    import redis

    if backend == "rq":
        redis.Redis.from_url(REDIS_URL).flushdb()
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-intake-{backend}-"))
    env = environment(data_dir, backend)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_reference")
    setup = json.loads(subprocess.run([sys.executable, "-c", SETUP_SCRIPT, str(CLIENTS), str(STAFF_PER_AGENCY)],
                                      cwd=ROOT, env=env, check=True, text=True,
                                      capture_output=True).stdout.strip().splitlines()[-1])
    sessions, categories = setup["sessions"], setup["categories"]
    # Leftovers of an earlier, interrupted run must not be counted in this one.
    pg.execute("UPDATE core_outboxmessage SET status = 'done' WHERE status IN ('pending', 'claimed') "
               "AND available_at <= now()")
    pg.execute("VACUUM (ANALYZE)")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    worker_log = open(data_dir / "worker.log", "w")  # noqa: SIM115 - closed below
    sink = None
    if os.environ.get("BENCH_INTAKE_SMTP") == "1":
        smtp_port = free_port()
        sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c",
                                 "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        env = env | {"BENCH_SMTP_PORT": str(smtp_port)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "congdanso.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048"],
        cwd=ROOT, env=env | {"PGAPPNAME": "cds-web"}, stdout=server_log, stderr=server_log, start_new_session=True)
    # BENCH_INTAKE_WORKER_PROFILE=DIR: the worker runs under cProfile, timing the CPU of its main thread (where the
    # tasks run), and leaves DIR/worker-<backend>.prof when stopped; its CPU figures then include the profiler's.
    profile_dir = os.environ.get("BENCH_INTAKE_WORKER_PROFILE")
    command = ["manage.py", "run_worker"]
    if profile_dir:
        command = ["-c", PROFILED_WORKER, str(Path(profile_dir) / f"worker-{backend}.prof")]
    worker = subprocess.Popen([sys.executable, *command], cwd=ROOT,
                              env=env | {"PGAPPNAME": "cds-worker"}, stdout=worker_log, stderr=worker_log,
                              start_new_session=True)
    result: dict[str, Any] = {"backend": backend, "agencies": setup["agencies"],
                              "staff_per_agency": STAFF_PER_AGENCY, "email": "smtp" if sink else "dummy"}
    try:
        wait_until_up(base)
        rng = random.Random(11)
        max_id = pg.execute("SELECT coalesce(max(id), 1) FROM reports_report").fetchone()[0]
        csrf = secrets.token_hex(16)
        marker = f"Intake {uuid.uuid4().hex[:8]}"

        def baseline(i: int) -> tuple[str, str, dict]:
            return ("GET", f"/bench/baseline?id={rng.randint(1, max_id)}", {})

        def create(i: int) -> tuple[str, str, dict]:
            lat, lon = rng.choice(CENTRES)
            return ("POST", "/api/v1/reports", {
                "data": {"category": rng.choice(categories), "description": f"{marker} {uuid.uuid4().hex}",
                         "lat": f"{rng.gauss(lat, 0.01):.6f}", "lon": f"{rng.gauss(lon, 0.01):.6f}"},
                "headers": {"Cookie": f"sessionid={sessions[i]}; csrftoken={csrf}", "X-CSRFToken": csrf,
                            "Idempotency-Key": uuid.uuid4().hex}})

        warm_marker = f"Warm {uuid.uuid4().hex[:8]}"

        def warm(i: int) -> tuple[str, str, dict]:
            method, url, kwargs = create(i)
            kwargs["data"]["description"] = f"{warm_marker} {uuid.uuid4().hex}"
            return method, url, kwargs

        drive(load(base, baseline, CLIENTS, 1.5))
        drive(load(base, warm, CLIENTS, 2.0))
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while due_backlog(pg) and time.monotonic() < deadline:  # the warm-up's work done before measuring
            time.sleep(0.2)

        meter = CpuMeter({"web": server.pid, "worker": worker.pid}, pg, database)
        meter.mark()
        base_run = drive(load(base, baseline, CLIENTS, SECONDS / 3))
        meter.sample()
        base_cpu = meter.used()
        result["baseline"] = public(base_run)

        # The burst: the meter samples in a thread while the load runs.
        import threading

        halt = threading.Event()

        def sampling() -> None:
            while not halt.wait(0.1):
                meter.sample()

        meter.mark()
        sampler = threading.Thread(target=sampling, daemon=True)
        sampler.start()
        burst_started = time.time()
        burst = drive(load(base, create, CLIENTS, SECONDS))
        burst_ended = time.time()
        meter.sample()
        at_burst_end = meter.used()
        backlog_at_end = due_backlog(pg)
        drained_at = None
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while time.monotonic() < deadline:
            if due_backlog(pg) == 0 and undelivered(pg, marker) == 0:
                drained_at = time.time()
                break
            time.sleep(0.1)
        halt.set()
        sampler.join()
        meter.sample()
        total = meter.used()
        reports = pg.execute("SELECT count(*) FROM reports_report WHERE description LIKE %s",
                             [marker + "%"]).fetchone()[0]
        latencies = pg.execute(
            "SELECT extract(epoch FROM min(n.created_at) - r.created_at), "
            "       extract(epoch FROM min(d.sent_at) - r.created_at) "
            "FROM reports_report r JOIN notifications_notification n ON n.object_type = 'reports.report' "
            "  AND n.object_id = r.id::text AND n.kind = 'work_new' "
            "LEFT JOIN notifications_delivery d ON d.notification_id = n.id AND d.status = 'sent' "
            "WHERE r.description LIKE %s GROUP BY r.id, r.created_at", [marker + "%"]).fetchall()
        to_row = [float(a) for a, _b in latencies if a is not None]
        to_delivery = [float(b) for _a, b in latencies if b is not None]
        base_requests = base_run["requests"] or 1
        n = reports or 1
        request_ms = (at_burst_end.get("web", 0) + at_burst_end.get("pg-web", 0)) / n * 1000
        worker_ms = (total.get("worker", 0) + total.get("pg-worker", 0)) / n * 1000
        result.update({
            "reports": reports,
            "burst": public(burst),
            "burst_seconds": round(burst_ended - burst_started, 1),
            "cpu_ms_per_report": {
                "web": round(at_burst_end.get("web", 0) / n * 1000, 2),
                "pg_web": round(at_burst_end.get("pg-web", 0) / n * 1000, 2),
                "worker": round(total.get("worker", 0) / n * 1000, 2),
                "pg_worker": round(total.get("pg-worker", 0) / n * 1000, 2),
                "request_total": round(request_ms, 2),
                "worker_total": round(worker_ms, 2),
            },
            "worker_cpu_ms_during_burst_per_report": round(
                (at_burst_end.get("worker", 0) + at_burst_end.get("pg-worker", 0)) / n * 1000, 2),
            "baseline_cpu_ms_per_request": {
                "web": round(base_cpu.get("web", 0) / base_requests * 1000, 3),
                "pg_web": round(base_cpu.get("pg-web", 0) / base_requests * 1000, 3),
            },
            "worker_vs_request_cpu": round(worker_ms / request_ms, 3) if request_ms else None,
            "create_vs_baseline_rps": round(burst["rps"] / (base_run["rps"] or 1), 3),
            "staff_notified_reports": len(to_row),
            "to_staff_notification_s": {"p50": pct(to_row, 50), "p99": pct(to_row, 99), "max": pct(to_row, 100)},
            "to_delivery_s": {"p50": pct(to_delivery, 50), "p99": pct(to_delivery, 99),
                              "max": pct(to_delivery, 100)},
            "backlog_at_burst_end": backlog_at_end,
            "catch_up_s": round(drained_at - burst_ended, 2) if drained_at else None,
            "pg_backends_seen": {k: len(v) for k, v in meter.backends_seen.items()},
        })
        result["meets_target"] = bool(
            result["worker_vs_request_cpu"] is not None and result["worker_vs_request_cpu"] <= 0.5
            and result["to_staff_notification_s"]["p99"] is not None
            and result["to_staff_notification_s"]["p99"] <= 2.0
            and result["catch_up_s"] is not None and result["catch_up_s"] <= 5.0)
        log(backend, json.dumps({k: v for k, v in result.items() if k not in {"burst", "baseline"}}))
    finally:
        stop(worker)
        stop(server)
        if sink is not None:
            stop(sink)
        server_log.close()
        worker_log.close()
    return result


def main() -> dict[str, Any]:
    import psycopg

    os.environ.setdefault("BENCH_REPORTS_DATABASE_URL", DB_URL)
    import bench.reports_bench as reports_bench

    reports_bench.DB_URL = DB_URL
    ensure_database()
    database = DB_URL.rsplit("/", 1)[1]
    results: dict[str, Any] = {"database": "postgresql", "clients": CLIENTS, "burst_seconds": SECONDS,
                               "cpus": os.cpu_count(), "backends": {}}
    with psycopg.connect(DB_URL, autocommit=True, application_name="bench") as pg:
        for backend in BACKENDS:
            results["backends"][backend] = run_backend(backend, pg, database)
    results["summary"] = {
        backend: {key: r.get(key) for key in ("reports", "worker_vs_request_cpu", "cpu_ms_per_report",
                                              "to_staff_notification_s", "to_delivery_s", "catch_up_s",
                                              "create_vs_baseline_rps", "meets_target")}
        for backend, r in results["backends"].items()}
    return results


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
