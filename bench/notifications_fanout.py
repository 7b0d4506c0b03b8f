"""Fan-out of one notification to N Web Push subscriptions (default 100,000), delivered by real worker processes
(``manage.py run_worker --burst``, database queue) to a local push sink, with 1, 2 and 4 workers.

Reports: the fan-out write rate of ``notify()``; deliveries per second in all and per worker process; the bare
RFC 8291 encryption rate of one process encrypting the same payloads for the same subscriptions (no database, no
HTTP), and the ratio of the per-worker rate to it (target ≥ 50 %); the same ratio in CPU time per message (worker CPU
per delivery from its first push on, against the bare loop's CPU per message), which a busy shared machine
disturbs less; the peak RSS of each worker (target ≤ 300 MB).
A sample of the pushes is decrypted with the subscribers' private keys and its VAPID header verified, so the sink
cannot be counting garbage.

Environment: BENCH_NOTIFY_N (default 100000), BENCH_NOTIFY_WORKERS (default "1,2,4"), BENCH_DATABASE_URL
(default: SQLite in a temporary DATA_DIR). Quick check: ``BENCH_NOTIFY_N=3000 python -m bench notifications_fanout``.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_NOTIFY_N", "100000"))
WORKERS = [int(w) for w in os.environ.get("BENCH_NOTIFY_WORKERS", "1,2,4").split(",")]
SAMPLE_EVERY = max(1, N // 200)


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


# --- the push sink: a lean HTTP/1.1 keep-alive server answering 201, in its own process ------------------------
# It stands in for a push service on another machine, so it must take as little as possible of this machine's
# second CPU: on these shared machines the two vCPUs slow each other down (measured: RFC 8291 encryption costs
# ~60 % more CPU while the other vCPU is busy), so a heavy sink would show up as a slow worker. Hence the C parser
# (httptools) on libuv's loop (uvloop), and counters in shared memory written without a lock (one writer).

RESPONSE = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"


def _sink(port: mp.Value, count: mp.Value, first: mp.Value, last: mp.Value, samples: mp.Queue) -> None:
    import httptools
    import uvloop

    class Sink(asyncio.Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)
            self.url, self.auth, self.body = b"", b"", []

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_url(self, url: bytes) -> None:
            self.url += url

        def on_header(self, name: bytes, value: bytes) -> None:
            if name.lower() == b"authorization":
                self.auth = value

        def on_body(self, body: bytes) -> None:
            self.body.append(body)

        def on_message_complete(self) -> None:
            now = time.time()
            count.value += 1
            if first.value == 0:
                first.value = now
            last.value = now
            index = int(self.url.rsplit(b"/", 1)[1])
            if index % SAMPLE_EVERY == 0:
                samples.put((index, self.auth.decode("latin-1"), b"".join(self.body)))
            self.url, self.auth, self.body = b"", b"", []
            self.transport.write(RESPONSE)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Sink, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]
        await server.serve_forever()

    uvloop.run(serve())


def hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _new_vapid_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def main() -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "TASKS_BACKEND"}}
    # DEBUG off as in production (with DEBUG on, Django keeps a copy of every query and its parameters).
    env.update(DATA_DIR=str(data_dir), DEBUG="0", SECRET_KEY=secrets.token_urlsafe(40),
               FIELD_ENCRYPTION_KEYS=secrets.token_urlsafe(32), TASKS_BACKEND="db", LOG_LEVEL="WARNING",
               DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{data_dir}/bench.sqlite3"),
               DJANGO_SETTINGS_MODULE="congdanso.settings", OUTBOX_SWEEP_SECONDS="3600",
               VAPID_PRIVATE_KEY=_new_vapid_key(), OUTGOING_ALLOWED_HOSTS="127.0.0.1")  # the sink is on loopback
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.conf import settings
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from congdanso.accounts.models import User, UserKind
    from congdanso.core.models import OutboxMessage
    from congdanso.notifications import services
    from congdanso.notifications.channels import webpush
    from congdanso.notifications.models import Delivery, DeliveryStatus, Notification, PushSubscription
    from congdanso.notifications.tests.pushservice import Subscriber, b64url, verify_vapid

    port, count = mp.Value("i", 0, lock=False), mp.Value("l", 0, lock=False)
    first, last = mp.Value("d", 0.0, lock=False), mp.Value("d", 0.0, lock=False)
    samples: mp.Queue = mp.Queue()
    sink = mp.Process(target=_sink, args=(port, count, first, last, samples), daemon=True)
    sink.start()
    while port.value == 0:
        time.sleep(0.05)
    origin = f"http://127.0.0.1:{port.value}"

    log(f"generating {N} subscriber key pairs")
    started = time.perf_counter()
    sampled: dict[int, Subscriber] = {}
    users = User.objects.bulk_create([User(username=f"bench-{i}", kind=UserKind.CITIZEN) for i in range(N)],
                                     batch_size=2000)
    subs = []
    for i, user in enumerate(users):
        subscriber = Subscriber.new() if i % SAMPLE_EVERY == 0 else None
        if subscriber:
            sampled[i] = subscriber
            p256dh, auth = subscriber.p256dh, b64url(subscriber.auth)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            p256dh = b64url(key.public_key().public_bytes(
                __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.X962,
                __import__("cryptography.hazmat.primitives.serialization",
                           fromlist=["PublicFormat"]).PublicFormat.UncompressedPoint))
            auth = b64url(os.urandom(16))
        endpoint = f"{origin}/push/{i}"
        subs.append(PushSubscription(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                     endpoint_hash=PushSubscription.hash_endpoint(endpoint)))
    PushSubscription.objects.bulk_create(subs, batch_size=2000)
    log(f"  {N} residents with a push subscription in {time.perf_counter() - started:.1f} s")

    # Bare encryption: one process doing only the RFC 8291 encryption of the same payloads.
    notification = Notification(pk=1, kind="announcement", title="Thông báo cắt nước khu vực phường Sài Gòn",
                                body="Từ 8h đến 12h thứ bảy, đường Lê Lợi và Nguyễn Huệ tạm ngưng cấp nước để sửa ống.",
                                link="/news/cat-nuoc", language="vi")
    bare_n = min(N, 10000)
    payloads = []
    for i, sub in enumerate(subs[:bare_n]):
        d = Delivery(pk=i + 1, notification=notification, subscription=sub)
        payloads.append((sub, webpush.payload_of(d)))

    def bare() -> tuple[float, float]:
        """Messages per second and CPU µs per message; measured before and after every run, since the speed of
        this shared machine drifts, and each run is compared with the mean of the two around it."""
        t0, c0 = time.perf_counter(), time.process_time()
        for sub, payload in payloads:
            webpush.encrypt(sub, payload)
        rate, cpu_us = bare_n / (time.perf_counter() - t0), (time.process_time() - c0) / bare_n * 1e6
        log(f"  bare RFC 8291 encryption: {rate:,.0f} messages/s, {cpu_us:.0f} µs CPU each "
            f"(one process, {bare_n} messages)")
        return rate, cpu_us

    bares = [bare()]

    runs = []
    for workers in WORKERS:
        for model in (Delivery, Notification, OutboxMessage, DBTaskResult):
            model.objects.all()._raw_delete(connection.alias)
        count.value, first.value, last.value = 0, 0.0, 0.0  # the sink is idle between runs
        t0 = time.perf_counter()
        with transaction.atomic():
            services.notify(users, "announcement", {"title": notification.title, "message": notification.body},
                            link="/news/cat-nuoc")
        fan_out = time.perf_counter() - t0
        rows = Notification.objects.count() + Delivery.objects.count()
        log(f"  notify() to {N}: {fan_out:.1f} s, {rows / fan_out:,.0f} rows/s "
            f"({OutboxMessage.objects.count()} outbox rows, {DBTaskResult.objects.count()} tasks)")
        logs = [open(data_dir / f"worker-{workers}-{i}.log", "w") for i in range(workers)]  # noqa: SIM115
        procs = [subprocess.Popen([sys.executable, "manage.py", "run_worker", "--burst"], cwd=ROOT, env=env,
                                  stdout=log_file, stderr=log_file) for log_file in logs]
        # Peak RSS of each worker: VmHWM of its own address space, read until it exits (getrusage would count
        # the pages inherited from this big process at fork).
        # CPU per delivery, steadier than wall time on a shared machine: what the workers used from the first push
        # on (their CPU when it arrived is subtracted: Django start-up and claiming the first batch).
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = {p.pid: 0.0 for p in procs}
        startup_cpu = None
        while any(p.poll() is None for p in procs):
            for p in procs:
                peak[p.pid] = max(peak[p.pid], hwm_mb(p.pid))
            if startup_cpu is None and count.value > 0:
                startup_cpu = sum(cpu_seconds(p.pid) for p in procs)
            time.sleep(0.05)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = (children_after.ru_utime + children_after.ru_stime - children_before.ru_utime
                      - children_before.ru_stime) - (startup_cpu or 0.0)
        cpu_us = worker_cpu / max(1, count.value) * 1e6
        kernel_share = (children_after.ru_stime - children_before.ru_stime) / max(1e-9, worker_cpu + (startup_cpu or 0))
        rss = [peak[p.pid] for p in procs]
        for log_file in logs:
            log_file.close()
        problems = [line for i in range(workers)
                    for line in (data_dir / f"worker-{workers}-{i}.log").read_text().splitlines()
                    if " WARNING " in line or " ERROR " in line]
        deadline = time.time() + 10
        while count.value < N and time.time() < deadline:
            time.sleep(0.1)
        bares.append(bare())
        bare_rate = (bares[-2][0] + bares[-1][0]) / 2
        bare_cpu_us = (bares[-2][1] + bares[-1][1]) / 2
        sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
        seconds = last.value - first.value
        rate = count.value / seconds if seconds > 0 else 0.0
        run = {"workers": workers, "delivered": sent, "pushes_received": count.value, "seconds": round(seconds, 2),
               "deliveries_per_s": round(rate), "per_worker_per_s": round(rate / workers),
               "bare_encryption_per_s": round(bare_rate), "bare_encryption_cpu_us": round(bare_cpu_us, 1),
               "ratio_to_bare_encryption": round(rate / workers / bare_rate, 3),
               "worker_cpu_us_per_delivery": round(cpu_us, 1), "worker_cpu_kernel_share": round(kernel_share, 2),
               "cpu_ratio_to_bare_encryption": round(bare_cpu_us / cpu_us, 3) if cpu_us > 0 else None,
               "peak_rss_mb": [round(r, 1) for r in rss], "fan_out_seconds": round(fan_out, 2),
               "fan_out_rows_per_s": round(rows / fan_out), "worker_warnings": len(problems),
               "first_warnings": problems[:3]}
        log(f"  {workers} worker(s): {run}")
        runs.append(run)

    checked = 0
    while not samples.empty():
        index, authorization, body = samples.get()
        message = json.loads(sampled[index].decrypt(body))
        verify_vapid(authorization, origin)
        assert message["title"] == notification.title, message
        checked += 1
    sink.terminate()
    one = next((r for r in runs if r["workers"] == 1), runs[0])
    return {
        "n": N, "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "cpus": os.cpu_count(), "bare_encryption_per_s": [round(r) for r, _c in bares],
        "bare_encryption_cpu_us": [round(c, 1) for _r, c in bares],
        "per_worker_cpu_ratio": one["cpu_ratio_to_bare_encryption"],
        "per_worker_ratio": one["ratio_to_bare_encryption"], "target_ratio": 0.5,
        "max_peak_rss_mb": max(max(r["peak_rss_mb"]) for r in runs), "target_rss_mb": 300,
        "all_delivered": all(r["delivered"] == N for r in runs),
        "samples_decrypted_and_vapid_verified": checked, "runs": runs,
        "bench_process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
