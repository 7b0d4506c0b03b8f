"""Dossiers at national-portal scale: 5,000,000 dossiers on PostgreSQL, then in one run, on one WSGI server
(gunicorn as ``gunicorn.conf.py`` configures it, DEBUG off), in alternating rounds:

- baseline: ``/bench/baseline`` — one indexed read of a dossier row through the same stack (as the other benches);
- lookup: ``/api/v1/dossiers/lookup?code=<code>`` — the public lookup by code (what residents' apps, kiosks and
  other city systems call; the same answer, projection and per-client count as the page);
- lookup_page: ``/ho-so/tra-cuu?ma=<code>`` — the page residents use in a browser (the lookup plus the site's
  layout rendered around it; reported, no target of its own);
- code_read: ``/bench/by-code?code=<code>`` — the baseline's read, by code instead of primary key: what finding one
  code among 5,000,000 costs the database, apart from the page around it;
- push: ``POST /api/v1/dossiers/{code}/events`` — a one-stop-shop system's status event (accepted → processing),
  each with a fresh event id on a distinct dossier; a fifth of the dossiers have an applicant with an account, who is
  notified in the same transaction;

then, with the server stopped, the bulk import of 1,000,000 NDJSON rows through ``manage.py import_dossiers`` (with
its progress bar): wall time, rows per second and the command's peak resident memory (``wait4``'s ``ru_maxrss``).

Targets (issue 12): lookup ≥ 80 % of the baseline's throughput, push ≥ 20 %, the import's peak memory ≤ 300 MB.

Seeding is set-up, not product code: the dossiers, their creation events and the day sequences are written by
``INSERT … SELECT generate_series`` in SQL (5,000,000 rows through the ORM would take an hour); their personal
fields are empty (the public lookup never reads them). The residents and the two systems are made with the ORM; the
push system's key is reset to a new one on each run (only its hash is stored). Each run deletes the rows the
previous run imported before importing again.

Environment: BENCH_DOSSIERS_N (default 5000000), BENCH_DOSSIERS_IMPORT_ROWS (default 1000000),
BENCH_DOSSIERS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cds_bench_dossiers; PostgreSQL only),
BENCH_DOSSIERS_SECONDS per round and side (default 4), BENCH_DOSSIERS_ROUNDS (default 3),
BENCH_DOSSIERS_CONCURRENCY (default 16), BENCH_DOSSIERS_ONLY (``lookup``, ``push``, ``import``, comma-separated),
BENCH_DOSSIERS_RESEED=1 to seed again, BENCH_DOSSIERS_DATA_DIR. The seeded database is kept between runs.
"""

from __future__ import annotations

import hashlib
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

from bench import reports_bench as rb

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_DOSSIERS_N", "5000000"))
IMPORT_ROWS = int(os.environ.get("BENCH_DOSSIERS_IMPORT_ROWS", "1000000"))
SECONDS = float(os.environ.get("BENCH_DOSSIERS_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_DOSSIERS_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_DOSSIERS_CONCURRENCY", "16"))
DB_URL = os.environ.get("BENCH_DOSSIERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cds_bench_dossiers")
ONLY = {s for s in os.environ.get("BENCH_DOSSIERS_ONLY", "").split(",") if s}
RESIDENTS = 2000
AGENCIES = 40  # agencies the seeded dossiers belong to
DAYS = 1000  # days the seeded dossiers were filed over

SEED_SCRIPT = r"""
import json, sys, time
import django
django.setup()
from django.db import connection
from congdanso.accounts.models import IdentityLevel, User, UserKind
from congdanso.agencies.models import Agency, AgencyKind
from congdanso.core.fields import blind_index
from congdanso.dossiers import services
from congdanso.dossiers.models import Dossier, IntegrationSystem
from congdanso.procedures.models import Procedure

n, reseed, residents, n_agencies, days = int(sys.argv[1]), sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4]), \
    int(sys.argv[5])
log = lambda *a: print(*a, file=sys.stderr, flush=True)
agencies = (list(Agency.objects.filter(kind=AgencyKind.DEPARTMENT).order_by("code"))
            + list(Agency.objects.filter(kind=AgencyKind.WARD_COMMITTEE).order_by("code")))[:n_agencies]

def system(name, members):
    found = IntegrationSystem.objects.filter(name=name).first()
    if found is None:
        found, _key = services.create_integration_system(name, [a.code for a in members], actor=None)
    return found

push = system("bench-push", agencies)
importer = system("bench-import", agencies[:5])
# residents with a level-2 account: a fifth of the dossiers are theirs (linked through the blind index)
have = set(User.objects.filter(username__startswith="bench-resident-").values_list("username", flat=True))
new = []
for i in range(residents):
    if f"bench-resident-{i}" in have:
        continue
    number = f"079{i:09d}"
    new.append(User(username=f"bench-resident-{i}", kind=UserKind.CITIZEN, full_name=f"Cư dân {i}",
                    identity_level=IdentityLevel.LEVEL2, personal_id=number, personal_id_index=blind_index(number)))
User.objects.bulk_create(new, batch_size=1000)
people = list(User.objects.filter(username__startswith="bench-resident-").order_by("pk")
              .values_list("pk", "personal_id_index"))
done = Dossier.objects.filter(system=push, external_id=f"seed-{n - 1}").exists()
out = {"systems": {"push": push.pk, "import": importer.pk}, "agencies": [a.code for a in agencies]}
if done and not reseed:
    print(json.dumps({**out, "seeded": 0})); sys.exit(0)
started = time.time()
with connection.cursor() as cur:
    cur.execute("TRUNCATE dossiers_dossierevent, dossiers_dossierfile, dossiers_rating, dossiers_dossier, "
                "dossiers_dossiersequence RESTART IDENTITY CASCADE")
    procedures = list(Procedure.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    chunk = 250_000
    for low in range(0, n, chunk):
        high = min(n, low + chunk)
        cur.execute('''
        WITH rows AS (
            SELECT g.i, (%(codes)s::text[])[1 + g.i %% %(a)s] AS agency_code,
                   (%(ids)s::bigint[])[1 + g.i %% %(a)s] AS agency_id,
                   (date '2026-11-30' - ((g.i / %(a)s) %% %(d)s)::int) AS day, (g.i / %(a)s) / %(d)s + 1 AS seq,
                   CASE WHEN g.i %% 10 < 3 THEN 'accepted' WHEN g.i %% 10 < 5 THEN 'processing'
                        WHEN g.i %% 10 < 9 THEN 'returned' ELSE 'submitted' END AS status,
                   CASE WHEN g.i %% 5 = 0 THEN 1 + (g.i / 5) %% %(r)s END AS person
            FROM generate_series(%(low)s, %(high)s - 1) AS g(i)
        ), timed AS (
            SELECT *, ((day + time '08:00') + (i %% 28800) * interval '1 second') AT TIME ZONE 'Asia/Ho_Chi_Minh' AS sub
            FROM rows
        ), made AS (
            INSERT INTO dossiers_dossier (code, lookup_token, procedure_id, agency_id, status, paused_from,
                paused_seconds, channel, applicant_kind, applicant_name, applicant_number, applicant_number_index,
                applicant_phone, applicant_id, submitted_at, accepted_at, due_at, finished_at, returned_at, apology,
                original_due_at, fee_amount, fee_status, result, system_id, external_id, created_at, updated_at)
            SELECT agency_code || '-' || to_char(day, 'YYMMDD') || '-' || lpad(seq::text, 4, '0'),
                   md5('bench-token-' || i), (%(procedures)s::bigint[])[1 + i %% %(p)s], agency_id, status, '', 0,
                   1 + i %% 2, 'citizen', '', '', coalesce((%(indexes)s::text[])[person], ''), '',
                   (%(people)s::bigint[])[person], sub,
                   CASE WHEN status <> 'submitted' THEN sub END,
                   CASE WHEN status <> 'submitted' THEN (day + 10 + time '17:00') AT TIME ZONE 'Asia/Ho_Chi_Minh' END,
                   CASE WHEN status = 'returned' THEN sub + interval '5 days' END,
                   CASE WHEN status = 'returned' THEN sub + interval '6 days' END, '',
                   CASE WHEN status <> 'submitted' THEN (day + 10 + time '17:00') AT TIME ZONE 'Asia/Ho_Chi_Minh' END,
                   NULL, 'none', '', %(system)s, 'seed-' || i, sub, sub
            FROM timed
            RETURNING id, status, submitted_at
        )
        INSERT INTO dossiers_dossierevent (dossier_id, kind, from_status, to_status, actor_label, message, is_public,
                                           system_id, external_id, created_at)
        SELECT id, CASE WHEN status = 'submitted' THEN 'submit' ELSE 'register' END, '',
               CASE WHEN status = 'submitted' THEN 'submitted' ELSE 'accepted' END, 'Cơ quan', '', true, %(system)s,
               '', submitted_at
        FROM made
        ''', {"codes": [a.code for a in agencies], "ids": [a.pk for a in agencies], "a": len(agencies), "d": days,
              "r": len(people), "low": low, "high": high, "procedures": procedures, "p": len(procedures),
              "indexes": [p[1] for p in people], "people": [p[0] for p in people], "system": push.pk})
        connection.commit() if not connection.get_autocommit() else None
        log(f"seeded {high:,} dossiers ({time.time() - started:.0f} s)")
    cur.execute('''
        INSERT INTO dossiers_dossiersequence (agency_code, day, value)
        SELECT (%(codes)s::text[])[1 + g.i %% %(a)s], date '2026-11-30' - ((g.i / %(a)s) %% %(d)s)::int,
               max((g.i / %(a)s) / %(d)s + 1)
        FROM generate_series(0, %(n)s - 1) AS g(i) GROUP BY 1, 2
    ''', {"codes": [a.code for a in agencies], "a": len(agencies), "d": days, "n": n})
seconds = time.time() - started
print(json.dumps({**out, "seeded": n, "seconds": round(seconds, 1), "rows_per_second": round(n / seconds)}))
"""


def _psql():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(DB_URL, autocommit=True)


def _samples(rng: random.Random, how_many: int, status: str = "") -> list[str]:
    """Codes of seeded dossiers picked at random through the primary key (``status``: only those in it)."""
    with _psql() as conn:
        top = conn.execute("SELECT max(id) FROM dossiers_dossier").fetchone()[0] or 1
        codes: list[str] = []
        while len(codes) < how_many:
            ids = [rng.randint(1, top) for _ in range(min(200_000, 4 * (how_many - len(codes)) + 100))]
            query = "SELECT code FROM dossiers_dossier WHERE id = ANY(%s) AND external_id LIKE 'seed-%%'"
            rows = conn.execute(query + (" AND status = %s" if status else ""),
                                [ids, status] if status else [ids]).fetchall()
            codes += [r[0] for r in rows]
    rng.shuffle(codes)
    return codes[:how_many]


def _push_key(system_id: int) -> str:
    """A new key for the push system (set-up: only its hash is stored, so the bench cannot read the old one)."""
    key = "cdsd_" + secrets.token_urlsafe(32)
    with _psql() as conn:
        conn.execute("UPDATE dossiers_integrationsystem SET key_prefix = %s, key_hash = %s WHERE id = %s",
                     [key[:12], hashlib.sha256(key.encode()).hexdigest(), system_id])
    return key


def _write_import_file(path: Path, rows: int, agencies: list[str], procedures: list[str]) -> int:
    """NDJSON as a one-stop-shop system exports it: no codes (allocated here), a tenth of the applicants with an
    account, filed over the last 30 days. Written line by line."""
    rng = random.Random(11)
    run = uuid.uuid4().hex[:8]
    size = 0
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            day = 1 + i * 30 // max(1, rows)
            number = f"079{rng.randrange(RESIDENTS):09d}" if i % 10 == 0 else f"07{rng.randrange(10**10):010d}"
            line = json.dumps({
                "external_id": f"imp-{run}-{i}", "procedure": procedures[i % len(procedures)],
                "agency": agencies[i % len(agencies)],
                "applicant": {"kind": "citizen", "name": f"Nguyễn Văn Hồ Sơ {i}", "id_number": number,
                              "phone": f"09{rng.randrange(10**8):08d}"},
                "channel": 1 + i % 3, "status": 2 if i % 10 else 1,
                "submitted_at": f"2026-11-{31 - day:02d}T{8 + i % 9:02d}:{i % 60:02d}:00+07:00",
                "fee_amount": 50000 if i % 4 == 0 else None,
            }, ensure_ascii=False)
            handle.write(line + "\n")
            size += len(line.encode()) + 1
    return size


def _import(env: dict[str, str], data_dir: Path, seeding: dict) -> dict:
    """The bulk import through the command, alone on the machine's share the bench has: wall time, rows per second,
    the command's peak resident memory."""
    with _psql() as conn:  # the previous run's imported rows, so that this run creates rather than skips
        system = seeding["systems"]["import"]
        conn.execute("DELETE FROM dossiers_dossierevent WHERE dossier_id IN "
                     "(SELECT id FROM dossiers_dossier WHERE system_id = %s)", [system])
        conn.execute("DELETE FROM dossiers_dossier WHERE system_id = %s", [system])
        procedures = [r[0] for r in conn.execute(
            "SELECT code FROM procedures_procedure WHERE is_active ORDER BY code").fetchall()]
        conn.execute("VACUUM (ANALYZE) dossiers_dossier")
    path = data_dir / "import.ndjson"
    rb.log(f"writing {IMPORT_ROWS:,} NDJSON rows")
    size = _write_import_file(path, IMPORT_ROWS, seeding["agencies"][:5], procedures)
    rb.log(f"importing {path} ({size / 1e6:.0f} MB) with manage.py import_dossiers")
    out, err = open(data_dir / "import.out", "w"), open(data_dir / "import.err", "w")  # noqa: SIM115
    started = time.perf_counter()
    # the progress bar drawn as on a terminal (into import.err), so that its cost is in the figures
    command = subprocess.Popen([sys.executable, "manage.py", "import_dossiers", str(path), "--system", "bench-import"],
                               cwd=ROOT, env=env | {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}, stdout=out,
                               stderr=err)
    _pid, status, usage = os.wait4(command.pid, 0)
    command.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    out.close()
    err.close()
    summary = (data_dir / "import.out").read_text().strip().splitlines()
    if command.returncode:
        raise RuntimeError(f"import_dossiers exit {command.returncode}: "
                           f"{(data_dir / 'import.err').read_text()[-2000:]}")
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return {"rows": IMPORT_ROWS, "file_mb": round(size / 1e6, 1), "seconds": round(seconds, 1),
            "rows_per_second": round(IMPORT_ROWS / seconds), "peak_rss_mb": round(peak_mb, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "summary": summary[:3],
            "meets_target": peak_mb <= 300}


def main() -> dict:
    if DB_URL == "sqlite":
        raise SystemExit("the dossiers bench runs on PostgreSQL only")
    data_dir = Path(os.environ.get("BENCH_DOSSIERS_DATA_DIR") or tempfile.mkdtemp(prefix="bench-dossiers-"))
    rb.DB_URL = DB_URL  # the shared helpers read the database from there
    env = rb.environment(data_dir)
    env.update(DJANGO_SETTINGS_MODULE="bench._dossiers_site",
               DOSSIER_LOOKUPS_PER_CLIENT="1000000000")  # counted as in production, out of the bench's reach
    rb.ensure_database()
    rb.log(f"database {DB_URL}: migrate, reference data, procedures")
    rb.manage(env, "migrate", "--noinput", "-v", "0")
    rb.manage(env, "load_reference")
    rb.manage(env, "import_procedures", "--bundled", "--no-progress", "-v", "0")
    rb.manage(env, "collectstatic", "--noinput", "-v", "0")  # DEBUG off: pages name their files from the manifest
    rb.log(f"seeding {N:,} dossiers (skipped if already there)")
    seed = subprocess.run([sys.executable, "-c", SEED_SCRIPT, str(N), os.environ.get("BENCH_DOSSIERS_RESEED", "0"),
                           str(RESIDENTS), str(AGENCIES), str(DAYS)], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE)
    if seed.returncode:
        raise SystemExit(f"seeding failed (exit {seed.returncode})")
    seeding = json.loads(seed.stdout.strip().splitlines()[-1])
    rb.log("seeding:", {k: v for k, v in seeding.items() if k != "agencies"})
    with _psql() as conn:  # autovacuum is off on this machine: fresh statistics before measuring
        conn.execute("VACUUM (ANALYZE) dossiers_dossier")
        conn.execute("VACUUM (ANALYZE) dossiers_dossierevent")
        total = conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]
        top = conn.execute("SELECT max(id) FROM dossiers_dossier").fetchone()[0] or 1
    results: dict = {"n_dossiers": total, "database": "postgresql", "cpus": os.cpu_count(),
                     "seconds_per_round": SECONDS, "rounds": ROUNDS, "concurrency": CONCURRENCY,
                     "seeding": {k: v for k, v in seeding.items() if k != "agencies"}}
    rng = random.Random(7)
    if not ONLY or ONLY & {"lookup", "push"}:
        _serve(env, data_dir, seeding, results, rng, top)
    if not ONLY or "import" in ONLY:
        results["import"] = _import(env, data_dir, seeding)
        rb.log("import", results["import"])
    results["summary"] = _summary(results)
    return results


def _serve(env: dict[str, str], data_dir: Path, seeding: dict, results: dict, rng: random.Random, top: int) -> None:
    lookup_codes = _samples(rng, 20_000)
    push_codes = _samples(rng, 60_000, status="accepted")
    key = _push_key(seeding["systems"]["push"])
    port = rb.free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "congdanso.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048"],
        cwd=ROOT, env=env, stdout=log_file, stderr=log_file, start_new_session=True)
    shape = subprocess.run([sys.executable, "-c", "import runpy, json; c = runpy.run_path('gunicorn.conf.py'); "
                            "print(json.dumps([c['workers'], c['threads']]))"],
                           cwd=ROOT, env=env, check=True, text=True, capture_output=True).stdout
    results["server"] = "gunicorn {} processes x {} threads (gunicorn.conf.py)".format(*json.loads(shape))
    pushes = iter(push_codes)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def baseline(i: int) -> tuple[str, str, dict]:
        return ("GET", f"/bench/baseline?id={rng.randint(1, top)}", {})

    def lookup(i: int) -> tuple[str, str, dict]:
        return ("GET", f"/api/v1/dossiers/lookup?code={rng.choice(lookup_codes)}", {})

    def lookup_page(i: int) -> tuple[str, str, dict]:
        return ("GET", f"/ho-so/tra-cuu?ma={rng.choice(lookup_codes)}", {})

    def code_read(i: int) -> tuple[str, str, dict]:  # the baseline's read, by code: the index the lookup uses
        return ("GET", f"/bench/by-code?code={rng.choice(lookup_codes)}", {})

    def push(i: int) -> tuple[str, str, dict]:
        code = next(pushes)  # a distinct dossier each time, still accepted: it moves to processing
        return ("POST", f"/api/v1/dossiers/{code}/events", {
            "data": json.dumps({"event_id": uuid.uuid4().hex, "status": 4, "message": "Đang thẩm định hồ sơ"}),
            "headers": headers})

    scenarios = {name: make for name, make in (("lookup", lookup), ("lookup_page", lookup_page),
                                               ("code_read", code_read), ("push", push))
                 if not ONLY or name in ONLY or (name in ("code_read", "lookup_page") and "lookup" in ONLY)}
    try:
        rb.wait_until_up(base)
        rb.drive(rb.load(base, baseline, CONCURRENCY, 1.5))  # warm-up
        for make in scenarios.values():
            rb.drive(rb.load(base, make, CONCURRENCY, 1.5))
        parts: dict[str, list] = {"baseline": [], **{name: [] for name in scenarios}}
        for _round in range(ROUNDS):  # baseline and each scenario in turn: drift weighs on every side
            for name, make in (("baseline", baseline), *scenarios.items()):
                parts[name] += rb.drive(rb.load(base, make, CONCURRENCY, SECONDS))["_parts"]
        for name, runs in parts.items():
            results[name] = rb.summarize(runs)
            if name != "baseline":
                results[name]["rounds"] = [
                    {"baseline_rps": rb.summarize([b])["rps"], f"{name}_rps": rb.summarize([s])["rps"],
                     "ratio": round(rb.summarize([s])["rps"] / (rb.summarize([b])["rps"] or 1), 3),
                     "server_p99_ms": rb.summarize([s])["server_p99_ms"]}
                    for b, s in zip(parts["baseline"], runs, strict=True)]
            results[name] = rb.public(results[name])
            rb.log(name, results[name])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log_file.close()


def _summary(results: dict) -> dict:
    summary: dict = {}
    base = results.get("baseline")
    for name, target in (("lookup", 0.8), ("lookup_page", 0.0), ("code_read", 0.8), ("push", 0.2)):
        if name not in results or not base:
            continue
        r = results[name]
        ratio = r["rps"] / (base["rps"] or 1)
        summary[name] = {"rps": r["rps"], "baseline_rps": base["rps"], "throughput_vs_baseline": round(ratio, 3),
                         "server_p50_ms": r["server_p50_ms"], "server_p99_ms": r["server_p99_ms"],
                         "client_p99_ms": r["client_p99_ms"], "baseline_server_p99_ms": base["server_p99_ms"],
                         "errors": r["errors"],
                         "meets_target": bool(ratio >= target and not r["errors"]) if target else None}
    if "import" in results:
        i = results["import"]
        summary["import"] = {k: i[k] for k in ("rows", "seconds", "rows_per_second", "peak_rss_mb", "meets_target")}
    return summary


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
