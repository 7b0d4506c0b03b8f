"""Procedure catalogue search at national-catalogue scale: 5,000 procedures (the 73 shipped ones and generated
records written through the import service), then, on one WSGI server (gunicorn, DEBUG off), in the same run:

- baseline: ``/bench/baseline`` — one indexed read of a procedure row through the same stack;
- search: ``/api/v1/procedures?q=…`` with residents' queries (no diacritics, words out of order, typos, with and
  without filters), ranked by the database (PostgreSQL full text + pg_trgm on GIN indexes; SQLite FTS5).

Baseline and search alternate in short rounds (the machine is shared: drift weighs on both sides of the ratio).
Target (issue 12): on PostgreSQL, search throughput ≥ 30 % of the baseline's, server p99 ≤ 5 × the baseline's.

Environment: BENCH_PROCEDURES_N (default 5000), BENCH_PROCEDURES_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cds_bench_procedures; ``sqlite`` for SQLite in a temporary DATA_DIR),
BENCH_PROCEDURES_SECONDS per round and side (default 4), BENCH_PROCEDURES_ROUNDS (default 3),
BENCH_PROCEDURES_CONCURRENCY (default 16), BENCH_PROCEDURES_RESEED=1 to seed again. The seeded database is kept.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import reports_bench as rb

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_PROCEDURES_N", "5000"))
SECONDS = float(os.environ.get("BENCH_PROCEDURES_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_PROCEDURES_ROUNDS", "3"))
CONCURRENCY = int(os.environ.get("BENCH_PROCEDURES_CONCURRENCY", "16"))
DB_URL = os.environ.get("BENCH_PROCEDURES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cds_bench_procedures")

QUERIES = [
    "dang ky khai sinh", "khai sinh đăng ký", "dang ki khai sin", "ket hon", "tam tru", "dang ky thuong tru",
    "giay phep xay dung", "xin phep xay nha", "thanh lap cong ty", "ho kinh doanh", "so do", "sang ten so do",
    "tro cap nguoi cao tuoi", "khuyet tat", "chung thuc ban sao", "xac nhan tinh trang hon nhan", "tach thua",
    "nha o xa hoi", "giai the doanh nghiep", "cap lai giay chung nhan", "khai tu", "birth registration",
]
FILTERS = ["", "", "", "&level=commune", "&online=any", "&field=ho-tich", "&field=dat-dai&level=province"]

SEED_SCRIPT = r"""
import json, random, sys, time
import django
django.setup()
from django.db import connection
from congdanso.procedures import services
from congdanso.procedures.models import Procedure
from congdanso.procedures.management.commands.import_procedures import BUNDLED
from congdanso.procedures.records import Row, read_file

n = int(sys.argv[1]); reseed = sys.argv[2] == "1"
have = Procedure.objects.count()
if have >= n and not reseed:
    print(json.dumps({"seeded": 0, "existing": have})); sys.exit(0)
if reseed:
    Procedure.objects.all().delete()
rows = read_file(str(BUNDLED))
base = [r.data for r in rows]
rng = random.Random(12)
verbs = ["Cấp", "Cấp lại", "Cấp đổi", "Gia hạn", "Điều chỉnh", "Đăng ký", "Xác nhận", "Thẩm định", "Công nhận",
         "Thu hồi", "Phê duyệt", "Chấp thuận", "Hỗ trợ", "Thông báo", "Giải quyết"]
objects = ["giấy phép hoạt động", "chứng chỉ hành nghề", "giấy chứng nhận đủ điều kiện", "hồ sơ người có công",
           "trợ cấp thất nghiệp", "bảo hiểm y tế", "giấy phép lái xe", "đăng ký xe", "giấy phép lao động",
           "con dấu", "hộ chiếu phổ thông", "thẻ căn cước", "giấy phép kinh doanh rượu", "giấy phép bán lẻ thuốc lá",
           "cơ sở giáo dục mầm non", "trường tiểu học", "giấy phép khai thác nước ngầm", "đánh giá tác động môi trường",
           "giấy phép xả thải", "công trình điện", "cơ sở lưu trú du lịch", "hướng dẫn viên du lịch", "di tích",
           "lễ hội", "tổ chức tôn giáo", "hội, quỹ xã hội", "nhà thuốc", "phòng khám đa khoa", "an toàn thực phẩm",
           "giống cây trồng", "chăn nuôi", "tàu cá", "khoáng sản", "đất rừng", "phương tiện thủy nội địa",
           "biển quảng cáo", "cây xanh đô thị", "chiếu sáng công cộng", "thoát nước", "nghĩa trang",
           "người lao động nước ngoài", "học bổng chính sách", "văn bằng tốt nghiệp", "thi đua khen thưởng",
           "trợ giúp pháp lý", "hòa giải thương mại", "đấu giá tài sản", "quốc tịch Việt Nam", "lý lịch tư pháp",
           "nuôi con nuôi", "xuất bản phẩm", "báo chí", "viễn thông", "tần số vô tuyến điện", "phòng cháy chữa cháy"]
quals = ["", "", "cấp tỉnh", "cấp xã", "cho tổ chức", "cho cá nhân", "có yếu tố nước ngoài", "trong khu công nghiệp",
         "đối với doanh nghiệp nhỏ và vừa", "trường hợp bị mất, hỏng", "lần đầu", "do thay đổi thông tin"]
records = list(base)
seen = {r["name"] for r in records}
i = 0
while len(records) < n:
    template = dict(rng.choice(base))
    name = " ".join(p for p in (rng.choice(verbs), rng.choice(objects), rng.choice(quals)) if p)
    name = name[0].upper() + name[1:]
    if name in seen:
        name = f"{name} (mẫu {i})"
    seen.add(name)
    i += 1
    template.update(code=f"9.{i:06d}", name=name, name_en="", keywords=[rng.choice(objects)])
    records.append(template)
start = time.time()
summary = services.import_procedures(Row(k, r) for k, r in enumerate(records, 1))
seconds = time.time() - start
if connection.vendor == "sqlite":
    connection.cursor().execute("ANALYZE")  # PostgreSQL: VACUUM (ANALYZE) by the bench, outside a transaction
print(json.dumps({"seeded": summary.created + summary.updated, "refused": len(summary.refused),
                  "seconds": round(seconds, 1), "records_per_second": round(len(records) / seconds)}))
"""

IDS_SCRIPT = ("import django, json; django.setup(); from congdanso.procedures.models import Procedure;"
              "print(json.dumps(list(Procedure.objects.values_list('pk', flat=True))))")


def main() -> dict:
    data_dir = Path(os.environ.get("BENCH_PROCEDURES_DATA_DIR") or tempfile.mkdtemp(prefix="bench-procedures-"))
    rb.DB_URL = DB_URL  # the shared helpers read the database from there
    env = rb.environment(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "bench._procedures_site"
    rb.ensure_database()
    rb.log(f"database {DB_URL}: migrate")
    rb.manage(env, "migrate", "--noinput", "-v", "0")
    rb.log(f"seeding {N} procedures (skipped if already there)")
    seed = subprocess.run([sys.executable, "-c", SEED_SCRIPT, str(N), os.environ.get("BENCH_PROCEDURES_RESEED", "0")],
                          cwd=ROOT, env=env, check=True, text=True, capture_output=True)
    seeding = json.loads(seed.stdout.strip().splitlines()[-1])
    rb.log("seeding:", seeding)
    if DB_URL != "sqlite":  # autovacuum is off on this machine: fresh statistics before measuring
        import psycopg

        with psycopg.connect(DB_URL, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) procedures_procedure")
    ids = json.loads(subprocess.run([sys.executable, "-c", IDS_SCRIPT], cwd=ROOT, env=env, check=True, text=True,
                                    capture_output=True).stdout)

    port = rb.free_port()
    base = f"http://127.0.0.1:{port}"
    log_file = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "congdanso.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048"],
        cwd=ROOT, env=env, stdout=log_file, stderr=log_file, start_new_session=True)
    results: dict = {"n_procedures": N, "database": "sqlite" if DB_URL == "sqlite" else "postgresql",
                     "cpus": os.cpu_count(), "seconds_per_round": SECONDS, "rounds": ROUNDS,
                     "concurrency": CONCURRENCY, "seeding": seeding}
    try:
        rb.wait_until_up(base)
        rng = random.Random(7)

        def baseline(i: int) -> tuple[str, str, dict]:
            return ("GET", f"/bench/baseline?id={rng.choice(ids)}", {})

        def search(i: int) -> tuple[str, str, dict]:
            return ("GET", f"/api/v1/procedures?q={rng.choice(QUERIES)}{rng.choice(FILTERS)}&limit=20", {})

        rb.drive(rb.load(base, baseline, CONCURRENCY, 1.5))  # warm-up
        rb.drive(rb.load(base, search, CONCURRENCY, 1.5))
        base_parts, search_parts = [], []
        for _round in range(ROUNDS):
            base_parts += rb.drive(rb.load(base, baseline, CONCURRENCY, SECONDS))["_parts"]
            search_parts += rb.drive(rb.load(base, search, CONCURRENCY, SECONDS))["_parts"]
        results["baseline"] = rb.summarize(base_parts)
        results["search"] = rb.summarize(search_parts)
        results["search"]["rounds"] = [
            {"baseline_rps": rb.summarize([b])["rps"], "search_rps": rb.summarize([s])["rps"],
             "baseline_server_p99_ms": rb.summarize([b])["server_p99_ms"],
             "search_server_p99_ms": rb.summarize([s])["server_p99_ms"]}
            for b, s in zip(base_parts, search_parts, strict=True)]
        rb.log("baseline", rb.public(results["baseline"]))
        rb.log("search", rb.public(results["search"]))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log_file.close()
    b, s = results["baseline"], results["search"]
    ratio = s["rps"] / (b["rps"] or 1)
    p99_ratio = (s["server_p99_ms"] or 0) / (b["server_p99_ms"] or 1)
    results = {name: rb.public(r) if isinstance(r, dict) else r for name, r in results.items()}
    results["summary"] = {
        "baseline_rps": b["rps"], "search_rps": s["rps"], "throughput_vs_baseline": round(ratio, 3),
        "baseline_server_p99_ms": b["server_p99_ms"], "search_server_p99_ms": s["server_p99_ms"],
        "search_server_p50_ms": s["server_p50_ms"], "p99_vs_baseline": round(p99_ratio, 2),
        "errors": s["errors"], "meets_target": bool(ratio >= 0.3 and p99_ratio <= 5 and not s["errors"]),
    }
    return results


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
