"""Cost of report photos with small files declaring huge images (issue 9 #9), each case in its own process so that
its peak memory is its own: ``python -m bench.photo_cost`` (or ``python -m bench photo_cost``).

Cases: five 7000×7000 PNGs of ~47 KB in one request (refused from their headers by the request pixel budget), one
such PNG processed (allowed by the per-photo cap), one 7000×7000 JPEG (decoded at reduced DCT scale). Prints seconds
and peak RSS per case; the last line is the JSON result.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

CASES = ("five_png_request", "one_png", "one_jpeg")


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (7000, 7000), 0).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (10, 90, 200)).save(out, format="JPEG", quality=30)
    return out.getvalue()


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM (peak) of this process in MB, from /proc (ru_maxrss would include the parent's peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_case(name: str, path: str) -> dict[str, float | str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congdanso.settings")
    import django

    django.setup()
    from congdanso.lib.images import process_image
    from congdanso.reports import photos
    from congdanso.reports.errors import PhotoRejected

    with open(path, "rb") as handle:
        data = handle.read()
    before = _status_mb("VmHWM")
    started = time.perf_counter()
    outcome = "processed"
    if name == "five_png_request":
        try:
            photos.prepare([photos.Upload(f"{i}.png", data) for i in range(5)])
        except PhotoRejected as exc:
            outcome = exc.code
    else:
        process_image(data, max_pixels=50_000_000)
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    return {"case": name, "outcome": outcome, "bytes": len(data), "seconds": round(seconds, 3),
            "peak_rss_mb": round(peak, 1), "peak_growth_mb": round(peak - before, 1)}


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(run_case(sys.argv[1], sys.argv[2])))
        return
    import tempfile

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = {"png": os.path.join(tmp, "big.png"), "jpeg": os.path.join(tmp, "big.jpg")}
        with open(files["png"], "wb") as handle:
            handle.write(_png())
        with open(files["jpeg"], "wb") as handle:
            handle.write(_jpeg())
        for name in CASES:
            path = files["jpeg"] if name == "one_jpeg" else files["png"]
            done = subprocess.run([sys.executable, "-m", "bench.photo_cost", name, path], stdout=subprocess.PIPE,
                                  text=True, check=True)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            print(results[name], file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
